"""Inspections (督查巡查, SPEC §7): groups, plans with a schedule, visits and findings.

A finding becomes an alert (rule "INSPECT") whose due date is the finding's rectification
deadline; when the person recording it may issue the 督办 (a township or poverty-office grant
above the visited unit), the 督办 notice is issued at once through the workflow engine, so the
finding is tracked to closure like every alert: 边查边改 → 限期整改 → 跟踪销号.

Reads need Perm.ALERT_VIEW in the region, writes Perm.ALERT_ACT and a writable role.
The pieces: `selectors` (scoped reads, the plan page), `schedule`, `services` (writes), and
`common` (the rule and the stages).
"""

from fupin.supervision.inspections.common import RULE_CODE, RULE_NAME, STAGES, Frequency
from fupin.supervision.inspections.schedule import (
    Period,
    TargetSchedule,
    plan_schedule,
    schedule_dates,
    schedule_periods,
)
from fupin.supervision.inspections.selectors import (
    FindingRow,
    PlanPage,
    access_group,
    access_plan,
    access_visit,
    finding_row,
    findings_q,
    groups_for,
    plan_page,
    plans_for,
)
from fupin.supervision.inspections.services import (
    finding_record,
    inspection_group_create,
    inspection_plan_create,
    inspection_visit_record,
    writable_region,
)

__all__ = [
    "RULE_CODE",
    "RULE_NAME",
    "STAGES",
    "FindingRow",
    "Frequency",
    "Period",
    "PlanPage",
    "TargetSchedule",
    "access_group",
    "access_plan",
    "access_visit",
    "finding_record",
    "finding_row",
    "findings_q",
    "groups_for",
    "inspection_group_create",
    "inspection_plan_create",
    "inspection_visit_record",
    "plan_page",
    "plan_schedule",
    "plans_for",
    "schedule_dates",
    "schedule_periods",
    "writable_region",
]
