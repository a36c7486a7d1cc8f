"""Cases (办件): lists, the waiting queue, details with the caller's next steps and guard
messages, timelines, opening a case of each kind, transitions (409 on a stale version, 422
with every failing guard), batch transitions, override, linking a household, documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.access import Actor, Perm
from fupin.core.api import LazyPage, Pagination, Schema, actor_of, no_nul
from fupin.core.errors import NotFound, PermissionDenied
from fupin.registry.pages.api import HouseholdFieldsIn, MemberIn

from .. import criteria, engine, risk, selectors, services
from ..flows import household_exit
from ..models import Case, CaseDocument, DocumentKind, Objection
from .common import case_item, document_out, objection_out, safe_case_data, state_label

TAGS = ["识别退出与监测"]
router = Router(tags=TAGS)


# --- schemas -------------------------------------------------------------------------------------


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


# --- presenters ----------------------------------------------------------------------------------


def _checklist(case: Case) -> list[criteria.Criterion] | None:
    if case.kind == household_exit.KIND and case.household is not None:
        return household_exit.checklist(case)
    if case.kind == "village_exit":
        return criteria.village_exit_criteria(case.region_code)
    if case.kind == "county_exit":
        return criteria.county_exit_criteria(case.region_code)
    return None


def _risk(case: Case) -> dict[str, Any] | None:
    if case.kind != "monitoring":
        return None
    result = risk.score(case.household, case.data, case.year)
    return {
        "score": result.score,
        "level": result.level,
        "factors": [f.__dict__ for f in result.factors],
    }


def _household(case: Case) -> dict[str, Any] | None:
    household = case.household
    if household is None:
        return None
    head = household.members.filter(relation="head", left_on__isnull=True).first()
    return {
        "id": household.pk,
        "household_no": household.household_no,
        "head_name": household.head_name,
        "head_id_masked": head.id_masked if head else "",
        "status": household.status,
        "status_label": household.get_status_display(),
        "village_name": household.village.name,
        "declared_size": household.declared_size,
    }


def _step(flow: engine.Flow, step: engine.Step, messages: list[str]) -> dict[str, Any]:
    return {
        "name": step.name,
        "label": step.label,
        "style": step.style,
        "target": step.target,
        "target_label": flow.state_label(step.target),
        "who": step.who(),
        "comment_required": step.comment_required,
        "document": step.document,
        "document_label": DocumentKind(step.document).label if step.document else None,
        "fields": list(step.fields),
        "ready": not messages,
        "messages": messages,
    }


def case_detail(actor: Actor, case: Case) -> dict[str, Any]:
    flow = engine.flow_of(case.kind)
    checklist = _checklist(case)
    objections = list(Objection.objects.filter(case=case).order_by("-created_at", "-id")[:100])
    override = None
    if case.override_reason:
        override = {
            "reason": case.override_reason,
            "by": case.override_by.username if case.override_by else "",
            "at": case.override_at,
            "failures": case.override_failures or [],
        }
    return {
        **case_item(case),
        "flow_label": flow.label,
        "flow_summary": flow.summary,
        "states": [{"code": code, "label": label} for code, label in flow.states.items()],
        "data": safe_case_data(actor, case.data),
        "household": _household(case),
        "steps": [_step(flow, step, messages) for step, messages in engine.preview(actor, case)],
        "checklist": [c.__dict__ for c in checklist] if checklist is not None else None,
        "risk": _risk(case),
        "override": override,
        "can_override": household_exit.can_override(actor, case),
        "objections": [objection_out(actor, o) for o in objections],
        "pending_objections": sum(1 for o in objections if o.status == "pending"),
    }


def _reloaded(actor: Actor, case: Case) -> dict[str, Any]:
    return case_detail(actor, selectors.access_case(actor, case.pk))


# --- lists and the queue -------------------------------------------------------------------------


def _require_region(actor: Actor, region: str | None) -> None:
    """A region filter outside the jurisdiction is 404, like opening that region."""
    if region:
        actor.require(Perm.CASE_VIEW, region)
    elif not actor.region_codes(Perm.CASE_VIEW):
        raise PermissionDenied()


@router.get("/cases", response=list[CaseOut], summary="办件列表")
@paginate(Pagination)
def list_cases(
    request: HttpRequest,
    kind: str | None = Query(None, max_length=30, description="办件类型"),
    state: str | None = Query(None, max_length=30, description="当前环节"),
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    q: str | None = Query(None, max_length=50, description="办件编号或标题"),
    open: bool = Query(True, description="只看办理中的办件"),
    waiting: bool = Query(False, description="只看等待本人办理的办件"),
) -> Any:
    actor = actor_of(request)
    no_nul([kind, state, region, q])
    _require_region(actor, region)
    qs = selectors.case_list(
        actor,
        selectors.CaseFilters(
            kind=kind or "",
            state=state or "",
            region=region or "",
            q=q or "",
            open_only=open,
            waiting=waiting,
        ),
    )
    return LazyPage.rows(qs, case_item)


@router.get("/cases/queue", response=list[QueueOut], summary="待我办理（按类型与环节计数）")
def queue(
    request: HttpRequest, region: str | None = Query(None, max_length=12)
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    no_nul(region)
    _require_region(actor, region)
    if not region:
        return [c.__dict__ for c in selectors.queue_counts(actor)]
    rows = (
        selectors.case_list(actor, selectors.CaseFilters(region=region, waiting=True))
        .order_by()
        .values("kind", "state")
        .annotate(n=Count("id"))
    )
    counts = {(r["kind"], r["state"]): r["n"] for r in rows}
    return [
        {**c.__dict__, "count": counts.get((c.kind, c.state), 0)}
        for c in selectors.queue_counts(actor)
        if counts.get((c.kind, c.state))
    ]


# --- opening cases -------------------------------------------------------------------------------


@router.post(
    "/cases/identification",
    response={201: CaseDetailOut},
    summary="贫困户识别申请（登记申请户及成员并发起识别）",
)
def apply_identification(request: HttpRequest, payload: IdentificationIn) -> Status[Any]:
    actor = actor_of(request)
    body = payload.dict(exclude_unset=True)
    no_nul(body)
    data = {k: v for k, v in (body.get("household") or {}).items() if v is not None}
    data.setdefault("head_name", "")
    data.setdefault("declared_size", 0)
    members = [{k: v for k, v in m.items() if v is not None} for m in body["members"]]
    case = services.apply_identification(
        actor=actor,
        village_code=payload.village_code,
        data=data,
        members=members,
        reason=payload.reason,
        year=payload.year,
    )
    return Status(201, _reloaded(actor, case))


@router.post("/cases/household-exit", response={201: CaseDetailOut}, summary="提出贫困户脱贫")
def propose_exit(request: HttpRequest, payload: ExitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.propose_exit(
        actor=actor, household_id=payload.household_id, reason=payload.reason, year=payload.year
    )
    return Status(201, _reloaded(actor, case))


@router.post("/cases/return-poverty", response={201: CaseDetailOut}, summary="申报返贫")
def report_return(request: HttpRequest, payload: HouseholdCaseIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.report_return(
        actor=actor, household_id=payload.household_id, reason=payload.reason
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/member-change",
    response={201: CaseDetailOut},
    summary="申报家庭成员自然变更（证明材料随后上传）",
)
def request_member_change(request: HttpRequest, payload: MemberChangeIn) -> Status[Any]:
    actor = actor_of(request)
    body = payload.dict(exclude_none=True)
    no_nul(body)
    household_id = body.pop("household_id")
    case = services.request_member_change(actor=actor, household_id=household_id, payload=body)
    return Status(201, _reloaded(actor, case))


@router.post("/cases/monitoring", response={201: CaseDetailOut}, summary="干部排查：纳入监测申报")
def report_monitoring(request: HttpRequest, payload: MonitoringIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.report_monitoring(
        actor=actor,
        household_id=payload.household_id,
        declaration=services.Declaration(
            reason=payload.reason,
            risk_types=list(payload.risk_types),
            category=payload.category,
            medical_expense=payload.medical_expense,
        ),
    )
    return Status(201, _reloaded(actor, case))


@router.post("/cases/village-exit", response={201: CaseDetailOut}, summary="贫困村退出申报")
def propose_village_exit(request: HttpRequest, payload: VillageExitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.propose_village_exit(
        actor=actor, village_code=payload.village_code, reason=payload.reason, year=payload.year
    )
    return Status(201, _reloaded(actor, case))


@router.post("/cases/county-exit", response={201: CaseDetailOut}, summary="贫困县摘帽申请")
def apply_county_exit(request: HttpRequest, payload: CountyExitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.apply_county_exit(
        actor=actor, county_code=payload.county_code, reason=payload.reason, year=payload.year
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/batch-transitions",
    response=BatchOut,
    summary="批量办理（逐件办理，失败的列出原因）",
)
def batch_transition(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    visible = Case.objects.filter(
        actor.scope_q(Perm.CASE_VIEW, "region_code"), pk__in=payload.case_ids
    )
    if not visible.exists():
        raise NotFound("所选办件不存在或不在您的管辖范围内")
    result = engine.batch_transition(
        actor=actor, case_ids=payload.case_ids, step=payload.step, comment=payload.comment
    )
    return {
        "batch_id": result.batch_id,
        "done": result.done,
        "failed": [{"case_id": k, "message": v} for k, v in result.failed.items()],
    }


# --- one case ------------------------------------------------------------------------------------


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="办件详情（含可办理操作）")
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    return case_detail(actor, selectors.access_case(actor, case_id))


@router.get("/cases/{case_id}/timeline", response=list[TimelineOut], summary="办理记录")
def get_timeline(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    case = selectors.access_case(actor, case_id)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "label": t.label,
            "from_state": t.from_state,
            "from_label": state_label(case.kind, t.from_state) if t.from_state else "",
            "to_state": t.to_state,
            "to_label": state_label(case.kind, t.to_state),
            "actor_name": t.actor_name,
            "role_name": t.role_name,
            "region_name": t.region_name,
            "comment": t.comment,
            "data": t.data,
            "batch_id": t.batch_id,
            "at": t.at,
        }
        for t in selectors.timeline(case)
    ]


@router.post(
    "/cases/{case_id}/transitions",
    response=CaseDetailOut,
    summary="办理一个环节（version 不符返回 409，前置条件不满足返回 422）",
)
def take_step(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = engine.transition(
        actor=actor,
        case_id=case_id,
        step=payload.step,
        version=payload.version,
        comment=payload.comment,
        data=payload.data,
    )
    return _reloaded(actor, case)


@router.post(
    "/cases/{case_id}/override",
    response=CaseDetailOut,
    summary="登记未达标放行理由（贫困户退出）",
)
def override(request: HttpRequest, case_id: int, payload: OverrideIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = household_exit.override_exit_criteria(
        actor=actor, case_id=case_id, version=payload.version, reason=payload.reason
    )
    return _reloaded(actor, case)


@router.post("/cases/{case_id}/link", response=CaseDetailOut, summary="关联农户（按户编号）")
def link(request: HttpRequest, case_id: int, payload: LinkIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.link_household(
        actor=actor, case_id=case_id, version=payload.version, household_no=payload.household_no
    )
    return _reloaded(actor, case)


@router.get("/cases/{case_id}/documents", response=list[DocumentOut], summary="办件材料")
def list_documents(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = selectors.access_case(actor_of(request), case_id)
    return [document_out(d) for d in case.documents.order_by("created_at", "id")]


@router.post(
    "/cases/{case_id}/documents",
    response={201: DocumentOut},
    summary="上传办件材料（PDF、图片或 Office 文件，10MB 以内）",
)
def upload_document(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    kind: Form[str],
    note: Form[str] = "",
) -> Status[Any]:
    actor = actor_of(request)
    no_nul([kind, note, file.name or ""])
    case = selectors.access_case(actor, case_id)
    document = engine.attach_document(actor=actor, case=case, kind=kind, upload=file, note=note)
    return Status(201, document_out(document))


@router.get("/cases/{case_id}/documents/{document_id}", summary="下载办件材料")
def download_document(request: HttpRequest, case_id: int, document_id: int) -> FileResponse:
    case = selectors.access_case(actor_of(request), case_id)
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise NotFound("材料不存在")
    try:
        handle = document.file.open("rb")
    except OSError as exc:
        raise NotFound("材料文件不存在，请重新上传") from exc
    return FileResponse(handle, as_attachment=True, filename=document.name)
