"""The supervision app's models, for Django (SPEC §7): alerts, 督办 notices, rectifications and
escalations (`alerts/models.py`), inspections (`inspections/models.py`), traffic lights
(`lights/models.py`) and accountability records (`accountability/models.py`).
"""

# `evidence_upload_to` is named by migration 0001 as fupin.supervision.models.evidence_upload_to.
from fupin.supervision.accountability.models import Accountability, AccountabilityKind
from fupin.supervision.alerts.models import (
    Alert,
    Escalation,
    Rectification,
    RectificationFile,
    Severity,
    SupervisionNotice,
    evidence_upload_to,
)
from fupin.supervision.inspections.models import (
    Finding,
    InspectionGroup,
    InspectionPlan,
    InspectionVisit,
)
from fupin.supervision.lights.models import Indicator, Light, QuarterTarget, ReminderInterview

__all__ = [
    "Accountability",
    "AccountabilityKind",
    "Alert",
    "Escalation",
    "Finding",
    "Indicator",
    "InspectionGroup",
    "InspectionPlan",
    "InspectionVisit",
    "Light",
    "QuarterTarget",
    "Rectification",
    "RectificationFile",
    "ReminderInterview",
    "Severity",
    "SupervisionNotice",
    "evidence_upload_to",
]
