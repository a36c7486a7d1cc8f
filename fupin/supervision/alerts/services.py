"""Writes of the supervision app: rectifications, escalation of overdue alerts, alerts from
inspection findings, the messages they send (through fupin.notifications). Alert state changes go through the workflow engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fupin.core import params, uploads
from fupin.core.access import Actor, Perm, system_actor
from fupin.core.errors import NotFound, ValidationFailed
from fupin.notifications.services import message_send_to_region_roles
from fupin.regions.models import CODE_LENGTH, LEVEL_OF_LENGTH
from fupin.supervision.alerts.models import Alert, Escalation, Rectification, RectificationFile
from fupin.workflows import engine

SYSTEM = system_actor()
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
RECTIFICATION_FILES = uploads.Accept(
    suffixes=uploads.OFFICE_SUFFIXES,
    label=uploads.OFFICE_LABEL,
    max_mb=uploads.DOCUMENT_MAX_MB,
    what="佐证材料",
    field="files",
    wrong_suffix="佐证材料请上传照片（JPG、PNG）或 PDF、Office 文件",
    too_big="每个佐证材料不能超过 {mb} MB",
)


def access_alert(actor: Actor, pk: int, perm: Perm = Perm.ALERT_VIEW) -> Alert:
    alert = Alert.objects.select_related("case", "household").filter(pk=pk).first()
    if alert is None:
        raise NotFound()
    actor.require(perm, alert.region_code)
    return alert


@transaction.atomic
def rectification_submit(
    *, actor: Actor, alert_id: int, content: str, files: Iterable[Any] = ()
) -> Rectification:
    """The responsible unit writes what it did, with photos or files (at least one before the
    alert can be submitted for verification). A pending rectification is amended, not doubled."""
    alert = access_alert(actor, alert_id)
    actor.require_write(Perm.ALERT_ACT, alert.region_code, "只读角色不能填报整改情况")
    if alert.case.state != "noticed":
        raise ValidationFailed("只有已督办待整改的预警可以填报整改情况")
    content = (content or "").strip()
    if len(content) < 5:
        raise ValidationFailed(
            "请填写整改情况（至少5个字）", errors={"content": ["请填写整改情况"]}
        )
    files = list(files)
    for upload in files:
        uploads.check(upload, RECTIFICATION_FILES)
    rectification = alert.rectifications.filter(result=Rectification.Result.PENDING).first()
    if rectification is None:
        rectification = Rectification(alert=alert, created_by_id=actor.user_id)
    rectification.content = content[:5000]
    rectification.updated_by_id = actor.user_id
    rectification.save()
    for upload in files:
        item = RectificationFile(
            rectification=rectification,
            name=(getattr(upload, "name", "") or "材料")[:255],
            size=int(upload.size),
            is_photo=upload.name.lower().endswith(PHOTO_SUFFIXES),
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        item.file.save(upload.name, upload, save=False)
        item.save()
    return rectification


def superior_code(unit_code: str, steps_up: int) -> str:
    """The region `steps_up` levels above the unit (at least the province)."""
    level = max(1, LEVEL_OF_LENGTH[len(unit_code)] - steps_up)
    return unit_code[: CODE_LENGTH[level]]


@dataclass
class EscalationResult:
    escalated: int


def alerts_escalate_overdue(*, today: dt.date | None = None) -> EscalationResult:
    """Escalate every alert whose rectification deadline has passed: the next level up takes
    over the 督办 (one level per overdue period), is notified, and the escalation is counted.
    The new deadline is a fresh period from today."""
    today = today or timezone.localdate()
    overdue = list(
        Alert.objects.filter(is_open=True, due_date__lt=today, case__state="noticed")
        .select_related("case")
        .order_by("id")
    )
    count = 0
    for alert in overdue:
        with transaction.atomic():
            locked = Alert.objects.select_for_update().get(pk=alert.pk)
            if locked.due_date is None or locked.due_date >= today:
                continue
            case = engine.lock_case(locked.case_id)
            from_code = superior_code(locked.unit_code, 1 + locked.escalation_level)
            to_code = superior_code(locked.unit_code, 2 + locked.escalation_level)
            days = (today - locked.due_date).days
            Escalation.objects.create(
                alert=locked, from_code=from_code, to_code=to_code, overdue_days=days
            )
            locked.escalation_level += 1
            locked.escalated_at = timezone.now()
            period = int(params.get("supervision.deadline_days", region_code=locked.region_code))
            locked.due_date = today + dt.timedelta(days=period)
            locked.save(update_fields=["escalation_level", "escalated_at", "due_date"])
            engine.case_system_transition(
                case=case,
                step="escalate",
                actor=SYSTEM,
                comment=f"整改逾期 {days} 天，升级至上一级督办",
                today=today,
            )
            message_send_to_region_roles(
                region_code=to_code,
                roles=("poverty_office", "township"),
                kind="alert.escalated",
                title=f"预警逾期升级：{case.title}"[:200],
                body=f"整改逾期 {days} 天，已升级由本级督办，新的整改期限为 {locked.due_date:%Y-%m-%d}。",
                link=f"/supervision/alerts/{locked.pk}/",
                dedupe_key=f"escalated:{locked.pk}:{locked.escalation_level}",
            )
            count += 1
    return EscalationResult(escalated=count)


@transaction.atomic
def alert_open(
    *,
    rule_code: str,
    rule_name: str,
    subject_type: str,
    subject_id: int,
    scope_id: int,
    label: str,
    region_code: str,
    unit_code: str,
    severity: str,
    evidence: dict[str, Any],
    household_id: int | None = None,
) -> Alert:
    """Open one alert outside a sweep (an inspection finding, a department report)."""
    from fupin.regions.models import Region

    region = Region.objects.get(code=region_code)
    case = engine.case_create(
        actor=SYSTEM,
        kind="alert",
        region=region,
        title=f"{rule_name}：{label}"[:200],
        data={"rule": rule_code, "subject_id": subject_id},
        channel="system",
        system=True,
    )
    try:
        with transaction.atomic():
            return Alert.objects.create(
                case=case, rule_code=rule_code, subject_type=subject_type, subject_id=subject_id,
                scope_id=scope_id, subject_label=label[:200], household_id=household_id,
                region_code=region_code, county_code=region_code[:6], unit_code=unit_code,
                severity=severity, evidence=evidence,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationFailed("该问题已有未销号的预警") from exc


def open_alerts_q(actor: Actor) -> Q:
    return actor.scope_q(Perm.ALERT_VIEW, "region_code") & Q(is_open=True)
