"""Cases (办件): lists, the waiting queue, details with the caller's next steps and guard
messages, timelines, opening a case of each kind, transitions (409 on a stale version, 422
with every failing guard), batch transitions, override, linking a household, documents.

Schemas are in `fupin.workflows.common.schemas`, the case detail's presenters in `cases_presenters`."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.access import Actor, Perm
from fupin.core.api import KeysetList, KeysetPagination, actor_of, no_nul
from fupin.core.errors import NotFound, PermissionDenied
from fupin.workflows import engine
from fupin.workflows.cases import selectors, services
from fupin.workflows.cases.models import Case, CaseDocument
from fupin.workflows.cases.presenters import case_detail
from fupin.workflows.common.api import case_item, document_out, state_label
from fupin.workflows.common.schemas import (
    TAGS,
    BatchIn,
    BatchOut,
    CaseDetailOut,
    CaseOut,
    CountyExitIn,
    DocumentOut,
    ExitIn,
    HouseholdCaseIn,
    IdentificationIn,
    LinkIn,
    MemberChangeIn,
    MonitoringIn,
    OverrideIn,
    QueueOut,
    TimelineOut,
    TransitionIn,
    VillageExitIn,
)
from fupin.workflows.flows import household_exit

router = Router(tags=TAGS)


def _reloaded(actor: Actor, case: Case) -> dict[str, Any]:
    return case_detail(actor, selectors.access_case(actor, case.pk))


# --- lists and the queue -------------------------------------------------------------------------


def _require_region(actor: Actor, region: str | None) -> None:
    """A region filter outside the jurisdiction is 404, like opening that region."""
    if region:
        actor.require(Perm.CASE_VIEW, region)
    elif not actor.region_codes(Perm.CASE_VIEW):
        raise PermissionDenied()


@router.get(
    "/cases",
    response=list[CaseOut],
    summary="办件列表",
    operation_id="fupin_workflows_api_cases_list_cases",
)
@paginate(KeysetPagination)
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
    return KeysetList.rows(qs, selectors.CASE_KEYS, case_item)


@router.get(
    "/cases/queue",
    response=list[QueueOut],
    summary="待我办理（按类型与环节计数）",
    operation_id="fupin_workflows_api_cases_queue",
)
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
    operation_id="fupin_workflows_api_cases_apply_identification",
)
def apply_identification(request: HttpRequest, payload: IdentificationIn) -> Status[Any]:
    actor = actor_of(request)
    body = payload.dict(exclude_unset=True)
    no_nul(body)
    data = {k: v for k, v in (body.get("household") or {}).items() if v is not None}
    data.setdefault("head_name", "")
    data.setdefault("declared_size", 0)
    members = [{k: v for k, v in m.items() if v is not None} for m in body["members"]]
    case = services.identification_apply(
        actor=actor,
        village_code=payload.village_code,
        data=data,
        members=members,
        reason=payload.reason,
        year=payload.year,
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/household-exit",
    response={201: CaseDetailOut},
    summary="提出贫困户脱贫",
    operation_id="fupin_workflows_api_cases_propose_exit",
)
def propose_exit(request: HttpRequest, payload: ExitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.exit_propose(
        actor=actor, household_id=payload.household_id, reason=payload.reason, year=payload.year
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/return-poverty",
    response={201: CaseDetailOut},
    summary="申报返贫",
    operation_id="fupin_workflows_api_cases_report_return",
)
def report_return(request: HttpRequest, payload: HouseholdCaseIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.return_report(
        actor=actor, household_id=payload.household_id, reason=payload.reason
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/member-change",
    response={201: CaseDetailOut},
    summary="申报家庭成员自然变更（证明材料随后上传）",
    operation_id="fupin_workflows_api_cases_request_member_change",
)
def request_member_change(request: HttpRequest, payload: MemberChangeIn) -> Status[Any]:
    actor = actor_of(request)
    body = payload.dict(exclude_none=True)
    no_nul(body)
    household_id = body.pop("household_id")
    case = services.member_change_request(actor=actor, household_id=household_id, payload=body)
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/monitoring",
    response={201: CaseDetailOut},
    summary="干部排查：纳入监测申报",
    operation_id="fupin_workflows_api_cases_report_monitoring",
)
def report_monitoring(request: HttpRequest, payload: MonitoringIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.monitoring_report(
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


@router.post(
    "/cases/village-exit",
    response={201: CaseDetailOut},
    summary="贫困村退出申报",
    operation_id="fupin_workflows_api_cases_propose_village_exit",
)
def propose_village_exit(request: HttpRequest, payload: VillageExitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.village_exit_propose(
        actor=actor, village_code=payload.village_code, reason=payload.reason, year=payload.year
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/county-exit",
    response={201: CaseDetailOut},
    summary="贫困县摘帽申请",
    operation_id="fupin_workflows_api_cases_apply_county_exit",
)
def apply_county_exit(request: HttpRequest, payload: CountyExitIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.county_exit_apply(
        actor=actor, county_code=payload.county_code, reason=payload.reason, year=payload.year
    )
    return Status(201, _reloaded(actor, case))


@router.post(
    "/cases/batch-transitions",
    response=BatchOut,
    summary="批量办理（逐件办理，失败的列出原因）",
    operation_id="fupin_workflows_api_cases_batch_transition",
)
def batch_transition(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    visible = Case.objects.filter(
        actor.scope_q(Perm.CASE_VIEW, "region_code"), pk__in=payload.case_ids
    )
    if not visible.exists():
        raise NotFound("所选办件不存在或不在您的管辖范围内")
    result = engine.case_batch_transition(
        actor=actor, case_ids=payload.case_ids, step=payload.step, comment=payload.comment
    )
    return {
        "batch_id": result.batch_id,
        "done": result.done,
        "failed": [{"case_id": k, "message": v} for k, v in result.failed.items()],
    }


# --- one case ------------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}",
    response=CaseDetailOut,
    summary="办件详情（含可办理操作）",
    operation_id="fupin_workflows_api_cases_get_case",
)
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    return case_detail(actor, selectors.access_case(actor, case_id))


@router.get(
    "/cases/{case_id}/timeline",
    response=list[TimelineOut],
    summary="办理记录",
    operation_id="fupin_workflows_api_cases_get_timeline",
)
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
    operation_id="fupin_workflows_api_cases_take_step",
)
def take_step(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = engine.case_transition(
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
    operation_id="fupin_workflows_api_cases_override",
)
def override(request: HttpRequest, case_id: int, payload: OverrideIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = household_exit.exit_criteria_override(
        actor=actor, case_id=case_id, version=payload.version, reason=payload.reason
    )
    return _reloaded(actor, case)


@router.post(
    "/cases/{case_id}/link",
    response=CaseDetailOut,
    summary="关联农户（按户编号）",
    operation_id="fupin_workflows_api_cases_link",
)
def link(request: HttpRequest, case_id: int, payload: LinkIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    case = services.case_household_link(
        actor=actor, case_id=case_id, version=payload.version, household_no=payload.household_no
    )
    return _reloaded(actor, case)


@router.get(
    "/cases/{case_id}/documents",
    response=list[DocumentOut],
    summary="办件材料",
    operation_id="fupin_workflows_api_cases_list_documents",
)
def list_documents(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = selectors.access_case(actor_of(request), case_id)
    return [document_out(d) for d in case.documents.order_by("created_at", "id")]


@router.post(
    "/cases/{case_id}/documents",
    response={201: DocumentOut},
    summary="上传办件材料（PDF、图片或 Office 文件，10MB 以内）",
    operation_id="fupin_workflows_api_cases_upload_document",
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
    document = engine.case_document_attach(
        actor=actor, case=case, kind=kind, upload=file, note=note
    )
    return Status(201, document_out(document))


@router.get(
    "/cases/{case_id}/documents/{document_id}",
    summary="下载办件材料",
    operation_id="fupin_workflows_api_cases_download_document",
)
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
