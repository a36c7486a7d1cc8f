"""What the inspection pieces share: the alert rule a finding raises, the plan frequencies, and
the stage of a finding from its alert's case state."""

from __future__ import annotations

from fupin.supervision.inspections.models import InspectionPlan

RULE_CODE = "INSPECT"
RULE_NAME = "督查发现问题"
Frequency = InspectionPlan.Frequency

# The stage of a finding in "边查边改、限期整改、跟踪销号", from its alert's case state.
STAGES = {
    "assigned": ("边查边改", "待下发督办"),
    "noticed": ("限期整改", "已督办待整改"),
    "submitted": ("跟踪销号", "已提交整改待核验"),
    "closed": ("已销号", "核验通过已销号"),
}
