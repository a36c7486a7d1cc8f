"""The cases API's schemas (办件): what the case endpoints take and return; also used by the
notices, samples and public routers and by the supervision alert API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field

from fupin.core.api import Schema
from fupin.registry.schemas import HouseholdFieldsIn, MemberIn

TAGS = ["识别退出与监测"]


class CaseOut(Schema):
    id: int
    case_no: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    subject_level: str
    region_code: str
    region_name: str
    county_code: str
    year: int
    title: str
    household_id: int | None = None
    household_no: str | None = None
    head_name: str | None = None
    channel: str
    channel_label: str
    is_open: bool
    state_since: dt.datetime
    closed_at: dt.datetime | None = None
    created_at: dt.datetime
    version: int


class StepOut(Schema):
    name: str
    label: str
    style: str
    target: str
    target_label: str
    who: str
    comment_required: bool
    document: str | None = None
    document_label: str | None = None
    fields: list[str]
    ready: bool = Field(..., description="所有前置条件均已满足")
    messages: list[str] = Field(..., description="不能办理的原因（前置条件未满足）")


class StateOut(Schema):
    code: str
    label: str


class CriterionOut(Schema):
    code: str
    label: str
    passed: bool
    detail: str


class FactorOut(Schema):
    code: str
    label: str
    weight: int
    triggered: bool
    detail: str


class RiskOut(Schema):
    score: int
    level: str
    factors: list[FactorOut]


class OverrideOut(Schema):
    reason: str
    by: str
    at: dt.datetime | None = None
    failures: list[dict[str, Any]]


class HouseholdBrief(Schema):
    id: int
    household_no: str
    head_name: str
    head_id_masked: str
    status: str
    status_label: str
    village_name: str
    declared_size: int


class ObjectionOut(Schema):
    id: int
    notice_id: int
    entry_id: int | None = None
    case_id: int | None = None
    source: str
    source_label: str
    name: str
    phone: str
    content: str
    status: str
    status_label: str
    resolution: str
    resolved_at: dt.datetime | None = None
    created_at: dt.datetime
    version: int


class CaseDetailOut(CaseOut):
    flow_label: str
    flow_summary: str
    states: list[StateOut]
    data: dict[str, Any]
    household: HouseholdBrief | None = None
    steps: list[StepOut] = Field(..., description="调用者当前可办理的操作及其前置条件")
    checklist: list[CriterionOut] | None = Field(None, description="退出标准核对（退出类办件）")
    risk: RiskOut | None = Field(None, description="风险评分及各项因素（防返贫监测）")
    override: OverrideOut | None = None
    can_override: bool
    objections: list[ObjectionOut]
    pending_objections: int


class TimelineOut(Schema):
    id: int
    name: str
    label: str
    from_state: str
    from_label: str
    to_state: str
    to_label: str
    actor_name: str
    role_name: str
    region_name: str
    comment: str
    data: dict[str, Any]
    batch_id: int | None = None
    at: dt.datetime


class QueueOut(Schema):
    kind: str
    kind_label: str
    state: str
    state_label: str
    count: int


class IdentificationIn(Schema):
    village_code: str = Field(..., max_length=12)
    household: HouseholdFieldsIn = Field(default_factory=HouseholdFieldsIn)
    members: list[MemberIn] = Field(..., min_length=1, max_length=30)
    reason: str = Field(..., max_length=1000)
    year: int | None = Field(None, ge=2000, le=2100)


class HouseholdCaseIn(Schema):
    household_id: int
    reason: str = Field(..., max_length=1000)


class ExitIn(HouseholdCaseIn):
    year: int | None = Field(None, ge=2000, le=2100)


class NewMemberIn(Schema):
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=18)
    relation: str = Field("other", max_length=20)


class MemberChangeIn(Schema):
    household_id: int
    change_kind: str = Field(..., max_length=12, description="出生、死亡、婚入、婚出、迁入、迁出")
    occurred_on: dt.date
    reason: str = Field(..., max_length=1000)
    member_id: int | None = Field(None, description="离户成员（死亡、婚出、迁出）")
    new_member: NewMemberIn | None = Field(None, description="新增成员（出生、婚入、迁入）")
    new_head_id: int | None = None


class MonitoringIn(Schema):
    household_id: int
    reason: str = Field(..., max_length=1000)
    risk_types: list[str] = Field(default_factory=list, max_length=10)
    category: str = Field("", max_length=20)
    medical_expense: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class VillageExitIn(Schema):
    village_code: str = Field(..., max_length=12)
    reason: str = Field(..., max_length=1000)
    year: int | None = Field(None, ge=2000, le=2100)


class CountyExitIn(Schema):
    county_code: str = Field(..., max_length=6)
    reason: str = Field(..., max_length=1000)
    year: int | None = Field(None, ge=2000, le=2100)


class TransitionIn(Schema):
    step: str = Field(..., max_length=40)
    version: int = Field(..., ge=1, description="加载办件时的版本号；不符返回 409")
    comment: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict, description="该环节登记的补充信息")


class BatchIn(Schema):
    case_ids: list[int] = Field(..., min_length=1, max_length=2000)
    step: str = Field(..., max_length=40)
    comment: str = Field("", max_length=2000)


class BatchFailureOut(Schema):
    case_id: int
    message: str


class BatchOut(Schema):
    batch_id: int
    done: list[int]
    failed: list[BatchFailureOut]


class OverrideIn(Schema):
    version: int = Field(..., ge=1)
    reason: str = Field(..., max_length=500)


class LinkIn(Schema):
    version: int = Field(..., ge=1)
    household_no: str = Field(..., max_length=30)


class DocumentOut(Schema):
    id: int
    case_id: int
    kind: str
    kind_label: str
    name: str
    size: int
    note: str
    created_at: dt.datetime
