"""Inspections (督查巡查): groups, plans with their schedule, visits and findings; a finding
becomes an alert tracked to closure (边查边改、限期整改、跟踪销号). Built on
`fupin.supervision.inspections` (its selectors scope every read, its services every write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from fupin.core.access import Perm
from fupin.core.api import LazyPage, Pagination, Schema, actor_of, no_nul
from fupin.supervision import inspections
from fupin.supervision.common.api import TAGS, RowId, check_code, require_region
from fupin.supervision.inspections.models import (
    Finding,
    InspectionGroup,
    InspectionPlan,
    InspectionVisit,
)

router = Router(tags=TAGS)
PREFIX = "/inspections"


# --- schemas -------------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    label: str


class RegionOut(Schema):
    code: str
    name: str


class GroupOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    leader_name: str
    members: list[MemberOut]
    member_names: str
    created_at: dt.datetime


class GroupIn(Schema):
    region_code: str = Field(..., max_length=12, description="组建单位区划")
    name: str = Field(..., max_length=100)
    leader_name: str = Field(..., max_length=50)
    member_ids: list[RowId] = Field(default_factory=list, max_length=50, description="成员用户")
    member_names: str = Field("", max_length=500, description="无账号成员姓名，以顿号分隔")


class PlanOut(Schema):
    id: int
    group_id: int
    group_name: str
    region_code: str
    title: str
    frequency: str
    frequency_label: str
    start_date: dt.date
    end_date: dt.date
    targets: list[RegionOut]
    focus: str


class PlanIn(Schema):
    group_id: int
    title: str = Field(..., max_length=200)
    frequency: InspectionPlan.Frequency
    start_date: dt.date
    end_date: dt.date
    target_codes: list[str] = Field(..., min_length=1, max_length=200, description="督查对象区划")
    focus: str = Field("", max_length=2000)


class VisitOut(Schema):
    id: int
    plan_id: int
    region_code: str
    region_name: str
    visited_on: dt.date
    summary: str
    finding_count: int


class VisitIn(Schema):
    region_code: str = Field(..., max_length=12, description="督查地点（督查对象或其下级）")
    visited_on: dt.date
    summary: str = Field("", max_length=5000)


class FindingOut(Schema):
    id: int
    visit_id: int
    region_code: str
    description: str
    deadline: dt.date
    household_id: int | None = None
    household_no: str | None = None
    head_name: str | None = None
    alert_id: int | None = None
    case_no: str | None = None
    stage: str = Field(..., description="边查边改、限期整改、跟踪销号或已销号")
    state: str
    state_label: str
    overdue: bool


class FindingIn(Schema):
    description: str = Field(..., max_length=2000)
    deadline: dt.date = Field(..., description="整改期限")
    household_id: int | None = None
    household_no: str = Field("", max_length=30)


class PeriodOut(Schema):
    start: dt.date
    end: dt.date
    state: str = Field(
        ..., description="done 已督查 / missed 未督查 / due 应督查 / upcoming 未到期"
    )
    visit_ids: list[int]


class ScheduleOut(Schema):
    region_code: str
    region_name: str
    done: int
    periods: list[PeriodOut]


class PlanDetailOut(PlanOut):
    visits: list[VisitOut]
    schedule: list[ScheduleOut]
    findings: list[FindingOut]
    closed: int
    open: int
    overdue: int


# --- presenters ----------------------------------------------------------------------------------


def group_out(group: InspectionGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "region_code": group.region_code,
        "region_name": group.region.name,
        "leader_name": group.leader_name,
        "members": [{"id": u.pk, "label": u.label} for u in group.members.all()],
        "member_names": group.member_names,
        "created_at": group.created_at,
    }


def plan_out(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "group_id": plan.group_id,
        "group_name": plan.group.name,
        "region_code": plan.region_code,
        "title": plan.title,
        "frequency": plan.frequency,
        "frequency_label": plan.get_frequency_display(),
        "start_date": plan.start_date,
        "end_date": plan.end_date,
        "targets": [{"code": r.code, "name": r.name} for r in plan.targets.order_by("code")],
        "focus": plan.focus,
    }


def visit_out(visit: InspectionVisit, finding_count: int) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "plan_id": visit.plan_id,
        "region_code": visit.region_code,
        "region_name": visit.region.name,
        "visited_on": visit.visited_on,
        "summary": visit.summary,
        "finding_count": finding_count,
    }


def finding_out(finding: Finding, today: dt.date | None = None) -> dict[str, Any]:
    row = inspections.finding_row(finding, today or timezone.localdate())
    household = finding.household
    alert = finding.alert
    return {
        "id": finding.pk,
        "visit_id": finding.visit_id,
        "region_code": finding.region_code,
        "description": finding.description,
        "deadline": finding.deadline,
        "household_id": finding.household_id,
        "household_no": household.household_no if household else None,
        "head_name": household.head_name if household else None,
        "alert_id": alert.pk if alert else None,
        "case_no": alert.case.case_no if alert else None,
        "stage": row.stage,
        "state": row.state,
        "state_label": row.state_label,
        "overdue": row.overdue,
    }


def _finding(pk: int) -> Finding:
    return Finding.objects.select_related("alert__case", "household").get(pk=pk)


# --- groups --------------------------------------------------------------------------------------


@router.get(
    f"{PREFIX}/groups",
    response=list[GroupOut],
    summary="督查组列表",
    operation_id="fupin_supervision_api_inspections_list_groups",
)
@paginate(Pagination)
def list_groups(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
) -> Any:
    actor = actor_of(request)
    no_nul(region)
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    qs = inspections.groups_for(actor)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return LazyPage(qs, lambda rows: [group_out(g) for g in rows])


@router.post(
    f"{PREFIX}/groups",
    response={201: GroupOut},
    summary="组建督查组",
    operation_id="fupin_supervision_api_inspections_create_group",
)
def create_group(request: HttpRequest, payload: GroupIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    group = inspections.inspection_group_create(
        actor=actor,
        region_code=payload.region_code,
        name=payload.name,
        leader_name=payload.leader_name,
        member_ids=payload.member_ids,
        member_names=payload.member_names,
    )
    return Status(201, group_out(inspections.access_group(actor, group.pk)))


@router.get(
    f"{PREFIX}/groups/{{group_id}}",
    response=GroupOut,
    summary="督查组",
    operation_id="fupin_supervision_api_inspections_get_group",
)
def get_group(request: HttpRequest, group_id: int) -> dict[str, Any]:
    return group_out(inspections.access_group(actor_of(request), group_id))


# --- plans ---------------------------------------------------------------------------------------


@router.get(
    f"{PREFIX}/plans",
    response=list[PlanOut],
    summary="督查计划列表",
    operation_id="fupin_supervision_api_inspections_list_plans",
)
@paginate(Pagination)
def list_plans(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    group_id: int | None = Query(None, description="督查组"),
) -> Any:
    actor = actor_of(request)
    no_nul(region)
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    qs = inspections.plans_for(actor)
    if region:
        qs = qs.filter(region_code__startswith=region)
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    return LazyPage(qs, lambda rows: [plan_out(p) for p in rows])


@router.post(
    f"{PREFIX}/plans",
    response={201: PlanDetailOut},
    summary="制定督查计划",
    operation_id="fupin_supervision_api_inspections_create_plan",
)
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    plan = inspections.inspection_plan_create(
        actor=actor,
        group_id=payload.group_id,
        title=payload.title,
        frequency=payload.frequency,
        start_date=payload.start_date,
        end_date=payload.end_date,
        target_codes=payload.target_codes,
        focus=payload.focus,
    )
    return Status(201, plan_detail(actor, plan.pk))


def plan_detail(actor: Any, plan_id: int) -> dict[str, Any]:
    today = timezone.localdate()
    page = inspections.plan_page(actor, plan_id, today)
    return {
        **plan_out(page.plan),
        "visits": [visit_out(v, len(v.findings.all())) for v in page.visits],
        "schedule": [
            {
                "region_code": s.region.code,
                "region_name": s.region.name,
                "done": s.done,
                "periods": [
                    {
                        "start": p.start,
                        "end": p.end,
                        "state": p.state,
                        "visit_ids": [v.pk for v in p.visits],
                    }
                    for p in s.periods
                ],
            }
            for s in page.schedule
        ],
        "findings": [finding_out(r.finding, today) for r in page.findings],
        "closed": page.closed,
        "open": page.open,
        "overdue": page.overdue,
    }


@router.get(
    f"{PREFIX}/plans/{{plan_id}}",
    response=PlanDetailOut,
    summary="督查计划（排期、督查记录与发现问题的整改进度）",
    operation_id="fupin_supervision_api_inspections_get_plan",
)
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return plan_detail(actor_of(request), plan_id)


@router.post(
    f"{PREFIX}/plans/{{plan_id}}/visits",
    response={201: VisitOut},
    summary="登记督查情况",
    operation_id="fupin_supervision_api_inspections_record_visit",
)
def record_visit(request: HttpRequest, plan_id: int, payload: VisitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    visit = inspections.inspection_visit_record(
        actor=actor,
        plan_id=plan_id,
        region_code=payload.region_code,
        visited_on=payload.visited_on,
        summary=payload.summary,
    )
    return Status(201, visit_out(visit, 0))


# --- findings ------------------------------------------------------------------------------------


@router.post(
    f"{PREFIX}/visits/{{visit_id}}/findings",
    response={201: FindingOut},
    summary="登记督查发现问题（转为预警，限期整改）",
    operation_id="fupin_supervision_api_inspections_record_finding",
)
def record_finding(request: HttpRequest, visit_id: int, payload: FindingIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    finding = inspections.finding_record(
        actor=actor,
        visit_id=visit_id,
        description=payload.description,
        deadline=payload.deadline,
        household_id=payload.household_id,
        household_no=payload.household_no,
    )
    return Status(201, finding_out(_finding(finding.pk)))


@router.get(
    f"{PREFIX}/findings",
    response=list[FindingOut],
    summary="督查发现问题列表",
    operation_id="fupin_supervision_api_inspections_list_findings",
)
@paginate(Pagination)
def list_findings(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    open: bool | None = Query(None, description="true 只看未销号，false 只看已销号"),
    overdue: bool = Query(False, description="只看已超过整改期限的"),
) -> Any:
    actor = actor_of(request)
    no_nul(region)
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    qs = Finding.objects.filter(inspections.findings_q(actor)).select_related(
        "alert__case", "household"
    )
    if region:
        qs = qs.filter(region_code__startswith=region)
    if open is not None:
        qs = qs.filter(alert__is_open=open)
    if overdue:
        qs = qs.filter(alert__is_open=True, alert__due_date__lt=timezone.localdate())
    today = timezone.localdate()
    return LazyPage(
        qs.order_by("deadline", "id"), lambda rows: [finding_out(f, today) for f in rows]
    )
