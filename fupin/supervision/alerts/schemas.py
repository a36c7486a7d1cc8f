"""The alerts API's schemas (预警): what the alert endpoints take and return."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field

from fupin.core.api import Schema
from fupin.workflows.common.schemas import StateOut, StepOut


class AlertOut(Schema):
    id: int
    case_id: int
    case_no: str
    title: str
    rule_code: str
    rule_name: str
    severity: str
    severity_label: str
    subject_type: str
    subject_type_label: str
    subject_id: int
    subject_label: str
    household_id: int | None = None
    region_code: str
    region_name: str
    unit_code: str
    unit_name: str
    state: str
    state_label: str
    is_open: bool
    due_date: dt.date | None = None
    overdue: bool
    hit_count: int
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    cleared_at: dt.datetime | None = None
    escalation_level: int
    version: int = Field(..., description="办件版本号，办理时回传；不符返回 409")


class HouseholdBrief(Schema):
    id: int
    household_no: str
    head_name: str
    status_label: str
    village_name: str


class EscalationOut(Schema):
    id: int
    from_code: str
    from_name: str
    to_code: str
    to_name: str
    overdue_days: int
    at: dt.datetime


class SupervisionNoticeOut(Schema):
    id: int
    alert_id: int
    case_no: str
    title: str
    notice_no: str
    issuer_code: str
    issuer_name: str
    unit_code: str
    unit_name: str
    content: str
    requirement: str
    deadline: dt.date
    issued_on: dt.date
    rectified: bool = Field(..., description="预警已销号")
    overdue: bool = Field(..., description="已过整改期限且未销号")


class RectificationFileOut(Schema):
    id: int
    name: str
    size: int
    is_photo: bool


class RectificationOut(Schema):
    id: int
    content: str
    result: str
    result_label: str
    verification: str
    verified_by: str
    verified_at: dt.datetime | None = None
    created_at: dt.datetime
    files: list[RectificationFileOut]


class AlertDetailOut(AlertOut):
    rule_description: str
    evidence: dict[str, Any] = Field(..., description="触发依据")
    states: list[StateOut]
    household: HouseholdBrief | None = None
    escalations: list[EscalationOut]
    notices: list[SupervisionNoticeOut]
    rectifications: list[RectificationOut]
    steps: list[StepOut] = Field(..., description="调用者当前可办理的操作及其前置条件")


class StatOut(Schema):
    key: str
    label: str
    total: int
    open: int
    overdue: int
    closed: int


class TransitionIn(Schema):
    step: str = Field(..., max_length=40, description="issue_notice、submit、verify、return 等")
    version: int = Field(..., ge=1, description="加载预警时的版本号；不符返回 409")
    comment: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="该环节登记的信息，如督办通知的 deadline（YYYY-MM-DD）、content、requirement",
    )
