"""Alerts (预警): scoped lists with filters, statistics, the detail with the 督办 notices,
rectifications, escalations and the caller's next steps (with guard messages), the timeline,
transitions (409 on a stale version, 422 with the failing guards), rectifications with
evidence files (multipart) and the 督办通知 as JSON.

Schemas are in `alerts_schemas`, the alert detail's presenters in `alerts_presenters`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.access import Perm
from fupin.core.api import KeysetList, KeysetPagination, actor_of, no_nul
from fupin.core.errors import NotFound, ValidationFailed
from fupin.supervision.alerts import selectors, services
from fupin.supervision.alerts.models import Alert, RectificationFile, Severity, SupervisionNotice
from fupin.supervision.alerts.presenters import alert_detail
from fupin.supervision.alerts.schemas import (
    AlertDetailOut,
    AlertOut,
    StatOut,
    SupervisionNoticeOut,
    TransitionIn,
)
from fupin.supervision.common.api import (
    TAGS,
    alert_rows,
    check_code,
    notice_out,
    region_names,
    require_region,
    rule_name,
    state_label,
)
from fupin.workflows import engine
from fupin.workflows.common.schemas import TimelineOut

router = Router(tags=TAGS)
EVIDENCE_FILES = File(None, description="佐证材料（可多个）")


def _access(actor: Any, alert_id: int) -> Alert:
    alert = services.access_alert(actor, alert_id)
    return (
        Alert.objects.select_related("case", "household", "household__village")
        .filter(pk=alert.pk)
        .get()
    )


# --- lists ---------------------------------------------------------------------------------------


def _filtered(
    actor: Any,
    *,
    rule: str | None,
    severity: str | None,
    state: str | None,
    open: bool | None,
    overdue: bool,
    region: str | None,
    unit: str | None,
) -> QuerySet[Alert]:
    qs = Alert.objects.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))
    if rule:
        qs = qs.filter(rule_code=rule)
    if severity:
        qs = qs.filter(severity=severity)
    if state:
        qs = qs.filter(case__state=state)
    if open is not None:
        qs = qs.filter(is_open=open)
    if overdue:
        qs = qs.filter(is_open=True, due_date__lt=timezone.localdate())
    if region:
        qs = qs.filter(region_code__startswith=region)
    if unit:
        qs = qs.filter(unit_code__startswith=unit)
    return qs


@router.get(
    "/alerts",
    response=list[AlertOut],
    summary="预警列表",
    operation_id="fupin_supervision_api_alerts_list_alerts",
)
@paginate(KeysetPagination)
def list_alerts(
    request: HttpRequest,
    rule: str | None = Query(None, max_length=20, description="规则代码"),
    severity: str | None = Query(None, pattern="^(high|medium|low)$", description="级别"),
    state: str | None = Query(None, max_length=30, description="办理环节"),
    open: bool | None = Query(None, description="true 只看未销号，false 只看已销号"),
    overdue: bool = Query(False, description="只看已超过整改期限的"),
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    unit: str | None = Query(None, max_length=12, description="责任单位区划代码（前缀）"),
) -> Any:
    actor = actor_of(request)
    no_nul([rule, state, region, unit])
    check_code(region)
    check_code(unit, "unit")
    require_region(actor, Perm.ALERT_VIEW, region)
    qs = _filtered(
        actor, rule=rule, severity=severity, state=state, open=open, overdue=overdue,
        region=region, unit=unit,
    ).select_related("case")  # fmt: skip
    return KeysetList(qs, selectors.ALERT_KEYS, alert_rows)


STAT_KEYS = {
    "rule": "rule_code",
    "severity": "severity",
    "region": "region_code",
    "unit": "unit_code",
}


@router.get(
    "/alerts/stats",
    response=list[StatOut],
    summary="预警统计（按规则、级别、区划或责任单位）",
    operation_id="fupin_supervision_api_alerts_alert_stats",
)
def alert_stats(
    request: HttpRequest,
    by: str = Query("rule", pattern="^(rule|severity|region|unit)$", description="分组"),
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    no_nul(region)
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    field = STAT_KEYS[by]
    today = timezone.localdate()
    rows = (
        _filtered(
            actor, rule=None, severity=None, state=None, open=None, overdue=False,
            region=region, unit=None,
        )
        .order_by()
        .values(field)
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(is_open=True)),
            overdue=Count("id", filter=Q(is_open=True, due_date__lt=today)),
        )
        .order_by(field)
    )  # fmt: skip
    rows_list = list(rows)
    names = region_names(r[field] for r in rows_list) if by in ("region", "unit") else {}

    def label(key: str) -> str:
        if by == "rule":
            return rule_name(key)
        if by == "severity":
            return str(Severity(key).label)
        return names.get(key, key)

    return [
        {
            "key": r[field],
            "label": label(r[field]),
            "total": r["total"],
            "open": r["open"],
            "overdue": r["overdue"],
            "closed": r["total"] - r["open"],
        }
        for r in rows_list
    ]


# --- one alert -----------------------------------------------------------------------------------


@router.get(
    "/alerts/{alert_id}",
    response=AlertDetailOut,
    summary="预警详情（含可办理操作）",
    operation_id="fupin_supervision_api_alerts_get_alert",
)
def get_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    return alert_detail(actor, _access(actor, alert_id))


@router.get(
    "/alerts/{alert_id}/timeline",
    response=list[TimelineOut],
    summary="预警办理记录",
    operation_id="fupin_supervision_api_alerts_get_timeline",
)
def get_timeline(request: HttpRequest, alert_id: int) -> list[dict[str, Any]]:
    alert = _access(actor_of(request), alert_id)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "label": t.label,
            "from_state": t.from_state,
            "from_label": state_label(t.from_state) if t.from_state else "",
            "to_state": t.to_state,
            "to_label": state_label(t.to_state),
            "actor_name": t.actor_name,
            "role_name": t.role_name,
            "region_name": t.region_name,
            "comment": t.comment,
            "data": t.data,
            "batch_id": t.batch_id,
            "at": t.at,
        }
        for t in alert.case.transitions.order_by("at", "id")
    ]


def _step_data(step: str, data: dict[str, Any]) -> dict[str, Any]:
    """Only the step's own fields, as text; the deadline as an ISO date (YYYY-MM-DD)."""
    flow = engine.flow_of("alert")
    fields = flow.step(step).fields
    out: dict[str, Any] = {}
    for name in fields:
        value = data.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ValidationFailed("提交的内容格式不正确", errors={name: ["应为文本"]})
        if name == "deadline":
            try:
                dt.date.fromisoformat(value)
            except ValueError as exc:
                raise ValidationFailed(
                    "整改期限格式不正确，应为 YYYY-MM-DD", errors={"deadline": ["日期格式不正确"]}
                ) from exc
        elif len(value) > 5000:
            raise ValidationFailed("提交的内容过长", errors={name: ["不超过 5000 字"]})
        out[name] = value
    return out


@router.post(
    "/alerts/{alert_id}/transitions",
    response=AlertDetailOut,
    summary="办理预警（下发督办、提交整改、核验销号、退回；version 不符返回 409，条件不满足返回 422）",
    operation_id="fupin_supervision_api_alerts_take_step",
)
def take_step(request: HttpRequest, alert_id: int, payload: TransitionIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    alert = services.access_alert(actor, alert_id)
    actor.require_write(Perm.ALERT_ACT, alert.region_code, "只读角色不能办理预警")
    data = _step_data(payload.step, payload.data)
    engine.case_transition(
        actor=actor,
        case_id=alert.case_id,
        step=payload.step,
        version=payload.version,
        comment=payload.comment,
        data=data,
    )
    return alert_detail(actor, _access(actor, alert_id))


@router.post(
    "/alerts/{alert_id}/rectification",
    response={201: AlertDetailOut},
    summary="填报整改情况并上传佐证材料（照片、PDF 或 Office 文件，每个 10MB 以内）",
    operation_id="fupin_supervision_api_alerts_rectify",
)
def rectify(
    request: HttpRequest,
    alert_id: int,
    content: Form[str],
    files: list[UploadedFile] = EVIDENCE_FILES,
) -> Status[Any]:
    actor = actor_of(request)
    uploads = list(files or [])
    no_nul([content, *[u.name or "" for u in uploads]])
    services.rectification_submit(actor=actor, alert_id=alert_id, content=content, files=uploads)
    return Status(201, alert_detail(actor, _access(actor, alert_id)))


@router.get(
    "/alerts/{alert_id}/files/{file_id}",
    summary="下载整改佐证材料",
    operation_id="fupin_supervision_api_alerts_download_file",
)
def download_file(request: HttpRequest, alert_id: int, file_id: int) -> FileResponse:
    alert = services.access_alert(actor_of(request), alert_id)
    item = RectificationFile.objects.filter(rectification__alert=alert, pk=file_id).first()
    if item is None:
        raise NotFound("材料不存在")
    try:
        handle = item.file.open("rb")
    except OSError as exc:
        raise NotFound("材料文件不存在，请重新上传") from exc
    return FileResponse(handle, as_attachment=True, filename=item.name)


# --- 督办通知 ------------------------------------------------------------------------------------


@router.get(
    "/notices/{notice_id}",
    response=SupervisionNoticeOut,
    summary="督办通知",
    operation_id="fupin_supervision_api_alerts_get_notice",
)
def get_notice(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    notice = (
        SupervisionNotice.objects.select_related("alert", "alert__case")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound("督办通知不存在")
    actor.require(Perm.ALERT_VIEW, notice.alert.region_code)
    return notice_out(notice)
