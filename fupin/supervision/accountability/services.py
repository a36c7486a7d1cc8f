"""Accountability records (问责, SPEC §7): 通报批评, 书面检讨, 约谈, 诫勉谈话, 党内警告, 召回,
免职, 降职 — of a person or a unit, with the reason, the deciding body and the alerts and
inspection findings that led to it; a filtered list and statistics by kind, region and year."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear, Left
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.text import clean_text
from fupin.regions.models import CODE_LENGTH, LEVEL_OF_LENGTH, Region
from fupin.supervision.accountability.models import Accountability, AccountabilityKind
from fupin.supervision.alerts.models import Alert
from fupin.supervision.inspections.models import Finding

Kind = AccountabilityKind
M = TypeVar("M", Alert, Finding)


# --- selectors -----------------------------------------------------------------------------------


@dataclass
class Filters:
    region: str = ""
    kind: str = ""
    year: int | None = None
    subject: str = ""
    unit_only: bool | None = None


def records_for(actor: Actor) -> QuerySet[Accountability]:
    return Accountability.objects.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))


def _filtered(actor: Actor, filters: Filters) -> QuerySet[Accountability]:
    qs = records_for(actor)
    if filters.region:
        if not filters.region.isdigit():
            raise NotFound()
        qs = qs.filter(region_code__startswith=filters.region)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.year:
        qs = qs.filter(decided_on__year=filters.year)
    if filters.subject:
        qs = qs.filter(subject_name__icontains=filters.subject)
    if filters.unit_only is not None:
        qs = qs.filter(subject_is_unit=filters.unit_only)
    return qs


def record_list(actor: Actor, filters: Filters) -> QuerySet[Accountability]:
    return (
        _filtered(actor, filters)
        .select_related("region")
        .annotate(
            n_alerts=Count("alerts", distinct=True), n_findings=Count("findings", distinct=True)
        )
        .order_by("-decided_on", "-id")
    )


@dataclass
class Stats:
    total: int
    by_kind: list[tuple[str, str, int]]  # code, label, count
    by_region: list[tuple[str, str, int]]  # code, name, count
    by_year: list[tuple[int, int]]


def _child_length(actor: Actor, region: str) -> int:
    """The code length one level below the filter region (or the actor's jurisdiction)."""
    root = region
    if not root:
        codes = actor.region_codes(Perm.ALERT_VIEW)
        root = codes[0] if len(codes) == 1 else ""
    if not root:
        return CODE_LENGTH[1]
    level = LEVEL_OF_LENGTH.get(len(root), 5)
    return CODE_LENGTH[min(level + 1, 5)]


def stats(actor: Actor, filters: Filters) -> Stats:
    base = _filtered(actor, filters).order_by()
    labels = dict(Kind.choices)
    kinds = dict(base.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    by_kind = [(code, labels[code], kinds.get(code, 0)) for code in Kind.values]
    length = _child_length(actor, filters.region)
    region_counts = Counter(
        dict(
            base.annotate(unit=Left("region_code", length))
            .values("unit")
            .annotate(n=Count("id"))
            .values_list("unit", "n")
        )
    )
    names = dict(Region.objects.filter(code__in=list(region_counts)).values_list("code", "name"))
    by_region = [
        (code, names.get(code, code), n)
        for code, n in sorted(region_counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    by_year = sorted(
        base.annotate(y=ExtractYear("decided_on"))
        .values("y")
        .annotate(n=Count("id"))
        .values_list("y", "n")
    )
    return Stats(
        total=sum(n for _, _, n in by_kind),
        by_kind=by_kind,
        by_region=by_region,
        by_year=[(int(y), int(n)) for y, n in by_year],
    )


def linked_alerts(actor: Actor, record: Accountability) -> list[Alert]:
    """The record's alerts the reader may read (links made before the region rule held, or
    a reader whose grant in use is narrower, leave the others out)."""
    return list(
        record.alerts.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))
        .select_related("case")
        .order_by("id")
    )


def linked_findings(actor: Actor, record: Accountability) -> list[Finding]:
    return list(
        record.findings.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code")).order_by("id")
    )


def access_record(actor: Actor, pk: int) -> Accountability:
    record = Accountability.objects.select_related("region").filter(pk=pk).first()
    if record is None:
        raise NotFound()
    actor.require(Perm.ALERT_VIEW, record.region_code)
    return record


# --- writes --------------------------------------------------------------------------------------


def _linked(
    actor: Actor, qs: QuerySet[M], region: Region, ids: Iterable[int], field: str, label: str
) -> list[M]:
    """The alerts or findings to link: each must lie in the record's own region (its subtree)
    and be readable by the actor; otherwise the whole record is refused."""
    wanted = sorted({int(i) for i in ids})
    rows = list(
        qs.filter(
            actor.scope_q(Perm.ALERT_VIEW, "region_code"),
            pk__in=wanted,
            region_code__startswith=region.code,
        )
    )
    if len(rows) != len(wanted):
        raise ValidationFailed(
            f"{label}不存在或不在{region.name}范围内，只能关联问责对象所属区划内的{label[2:]}",
            errors={field: [f"{label[2:]}不在{region.name}范围内"]},
        )
    return rows


@transaction.atomic
def accountability_create(
    *,
    actor: Actor,
    region_code: str,
    kind: str,
    subject_name: str,
    reason: str,
    decided_on: dt.date,
    deciding_body: str,
    subject_is_unit: bool = False,
    subject_title: str = "",
    alert_ids: Iterable[int] = (),
    finding_ids: Iterable[int] = (),
    today: dt.date | None = None,
) -> Accountability:
    today = today or timezone.localdate()
    code = (region_code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require_write(Perm.ALERT_ACT, region.code, "只读角色不能登记问责")
    if kind not in Kind.values:
        raise ValidationFailed("请选择问责方式", errors={"kind": ["请选择问责方式"]})
    if subject_is_unit and kind in (Kind.RECALL, Kind.DISMISS, Kind.DEMOTE, Kind.PARTY_WARNING):
        raise ValidationFailed(
            f"“{Kind(kind).label}”只适用于个人", errors={"kind": ["该问责方式只适用于个人"]}
        )
    subject_name = clean_text(subject_name, "subject_name", "问责对象", 100)
    subject_title = clean_text(subject_title, "subject_title", "职务", 100, required=False)
    reason = clean_text(reason, "reason", "问责事由", 5000)
    deciding_body = clean_text(deciding_body, "deciding_body", "决定机关", 100)
    if decided_on > today:
        raise ValidationFailed("决定日期不能晚于今天", errors={"decided_on": ["不能晚于今天"]})
    county = region.code[:6]
    alerts = _linked(actor, Alert.objects.all(), region, alert_ids, "alerts", "关联预警")
    findings = _linked(
        actor, Finding.objects.all(), region, finding_ids, "findings", "关联督查问题"
    )
    record = Accountability.objects.create(
        region=region,
        region_code=region.code,
        county_code=county,
        kind=kind,
        subject_is_unit=subject_is_unit,
        subject_name=subject_name,
        subject_title=subject_title,
        reason=reason,
        decided_on=decided_on,
        deciding_body=deciding_body,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    record.alerts.set(alerts)
    record.findings.set(findings)
    return record
