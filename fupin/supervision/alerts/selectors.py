"""Scoped reads of the supervision app: the rule catalogue, the alert list and its counts, the
alert page, the alert statistics. Every read starts from the actor's jurisdiction
(`actor.scope_q(Perm.ALERT_VIEW, ...)`, `actor.require`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Substr
from django.utils import timezone

from fupin.core import params, stats
from fupin.core.access import ALL_REGIONS, Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import NotFound
from fupin.core.rules import RULES, SEVERITIES, SUBJECTS, Rule
from fupin.regions.models import Region
from fupin.supervision import engine
from fupin.supervision.alerts.models import Alert, SupervisionNotice
from fupin.supervision.figures import ALERTS
from fupin.workflows.engine import LEVEL_NAMES, ROLE_NAMES

CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
STATUS_CHOICES = [("open", "未销号"), ("closed", "已销号"), ("all", "全部")]


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5) over an expression (intervals included)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    name = "Median"


def today() -> dt.date:
    return timezone.localdate()


# --- jurisdiction --------------------------------------------------------------------------------


def view_codes(actor: Actor) -> list[str]:
    return actor.region_codes(Perm.ALERT_VIEW)


def chosen_region(actor: Actor, code: str | None) -> str:
    """The region a page is about: the one asked for (404 outside the jurisdiction), else the
    actor's first region with the alert view ("" = everywhere for a system administrator)."""
    code = (code or "").strip()
    if code:
        if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
            raise NotFound("区划代码不存在或不在您的管辖范围内")
        actor.require(Perm.ALERT_VIEW, code)
        return code
    codes = view_codes(actor)
    if not codes:
        from fupin.core.errors import PermissionDenied

        raise PermissionDenied("您没有查看预警的权限")
    return codes[0]


def region_name(code: str) -> str:
    if code == ALL_REGIONS:
        return "全部区划"
    region = Region.objects.filter(code=code).only("name").first()
    return region.name if region else code


def region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


# --- rules ----------------------------------------------------------------------------------------


def rule_label(code: str) -> str:
    item = RULES.get(code)
    return f"{code} {item.name}" if item else code


def rule_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {r.name}") for code, r in sorted(RULES.items())]


def responsible_label(item: Rule) -> str:
    return f"{LEVEL_NAMES.get(item.level, '')}{ROLE_NAMES.get(item.responsible, item.responsible)}"


def rule_catalogue(actor: Actor, region_code: str) -> list[dict[str, Any]]:
    """Every declared rule with its parameters' values for the region and its open alerts in
    the jurisdiction (under `region_code`)."""
    counts = engine.live_counts(region_code)
    param_region = region_code
    rows = []
    for code, item in sorted(RULES.items()):
        rows.append(
            {
                "rule": item,
                "subject": SUBJECTS.get(item.subject, item.subject),
                "severity": SEVERITIES.get(item.severity, item.severity),
                "responsible": responsible_label(item),
                "params": [
                    {
                        "key": spec.key,
                        "label": spec.label.split("：", 1)[-1],
                        "value": params.get(spec.key, region_code=param_region),
                        "unit": spec.unit,
                    }
                    for spec in item.params.values()
                ],
                "open": counts.get(code, 0),
            }
        )
    return rows


# --- alerts --------------------------------------------------------------------------------------


# The lists' order (newest first), served by alert_region_seen (region prefix, first_seen_at, id).
ALERT_KEYS = keyset.keys("-first_seen_at", "-id", first_seen_at=dt.datetime)


@dataclass
class AlertFilters:
    rule: str = ""
    severity: str = ""
    state: str = ""
    status: str = "open"  # open | closed | all
    overdue: bool = False
    region: str = ""
    unit: str = ""


def scoped_alerts(actor: Actor) -> QuerySet[Alert]:
    return Alert.objects.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))


def alert_list(
    actor: Actor, filters: AlertFilters, *, on: dt.date | None = None
) -> QuerySet[Alert]:
    qs = scoped_alerts(actor)
    if filters.rule:
        qs = qs.filter(rule_code=filters.rule)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.state:
        qs = qs.filter(case__state=filters.state)
    if filters.status == "open":
        qs = qs.filter(is_open=True)
    elif filters.status == "closed":
        qs = qs.filter(is_open=False)
    if filters.overdue:
        qs = qs.filter(is_open=True, due_date__lt=on or today())
    if filters.region:
        qs = qs.filter(region_code__startswith=filters.region)
    if filters.unit:
        qs = qs.filter(unit_code=filters.unit)
    return qs.select_related("case").order_by("-first_seen_at", "-id")


def _within(codes: list[str], region: str) -> list[str]:
    """The jurisdiction's minimal prefixes `codes` narrowed to the subtree of `region`."""
    if not region:
        return codes
    if any(region.startswith(code) for code in codes):
        return [region]
    return [code for code in codes if code.startswith(region)]


def counts(actor: Actor, filters: AlertFilters, *, on: dt.date | None = None) -> dict[str, int]:
    """Total / open / overdue / closed / cleared-but-open counts of the alerts the filters
    select, whatever their status (the list's cards add up whichever status is shown).

    Read from the `supervision.alerts` rollup (one query, whatever the number of alerts),
    except: overdue depends on today's date, so it is one count on the open alerts' deadline
    index; a unit filter (one responsible unit's alerts, not a stored dimension) counts that
    unit's rows."""
    on = on or today()
    overdue = alert_list(actor, replace(filters, status="open", overdue=True), on=on)
    if filters.unit:
        return (
            alert_list(actor, replace(filters, status="all"))
            .order_by()
            .aggregate(
                total=Count("id"),
                open=Count("id", filter=Q(is_open=True)),
                overdue=Count("id", filter=Q(is_open=True, due_date__lt=on)),
                closed=Count("id", filter=Q(is_open=False)),
                cleared=Count("id", filter=Q(is_open=True, cleared_at__isnull=False)),
            )
        )
    chosen = {"rule": filters.rule, "severity": filters.severity, "state": filters.state}
    where = {dim: value for dim, value in chosen.items() if value}
    reading = stats.read(
        ALERTS.name,
        regions=_within(view_codes(actor), filters.region),
        by=(*where, "open", "cleared"),
    )
    total = reading.total("alerts", **where)
    closed = reading.total("alerts", open="false", **where)
    return {
        "total": total,
        "open": total - closed,
        "overdue": overdue.order_by().count(),
        "closed": closed,
        "cleared": reading.total("alerts", open="true", cleared="true", **where),
    }


def access_notice(actor: Actor, pk: int) -> SupervisionNotice:
    notice = SupervisionNotice.objects.select_related("alert", "alert__case").filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    actor.require(Perm.ALERT_VIEW, notice.alert.region_code)
    return notice


def household_alerts(actor: Actor, household: Any) -> list[Alert]:
    return list(
        scoped_alerts(actor)
        .filter(household=household)
        .select_related("case")
        .order_by("-is_open", "-first_seen_at", "-id")[:200]
    )


# --- statistics ----------------------------------------------------------------------------------


def median_close_time(qs: QuerySet[Alert]) -> dt.timedelta | None:
    """Median of (case closed - alert first seen) over the closed alerts of the set."""
    closed = qs.filter(is_open=False, case__closed_at__isnull=False).order_by()
    result = closed.aggregate(
        m=Median(
            ExpressionWrapper(
                F("case__closed_at") - F("first_seen_at"), output_field=DurationField()
            ),
            output_field=DurationField(),
        )
    )["m"]
    return result if isinstance(result, dt.timedelta) else None


def duration_label(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    days = value.total_seconds() / 86400
    if days >= 1:
        return f"{days:.1f} 天"
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} 小时" if hours >= 1 else "不足 1 小时"


def _grouped(qs: QuerySet[Alert], key: Any, on: dt.date) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in qs.order_by()
        .annotate(k=key)
        .values("k")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(is_open=True)),
            overdue=Count("id", filter=Q(is_open=True, due_date__lt=on)),
            closed=Count("id", filter=Q(is_open=False)),
        )
        .order_by("-total", "k")
    ]


def dashboard(actor: Actor, region_code: str, *, on: dt.date | None = None) -> dict[str, Any]:
    """Alert statistics under a region of the jurisdiction: totals, closure rate, median time
    to close, and counts by rule, by child region and by responsible unit."""
    on = on or today()
    qs = scoped_alerts(actor).filter(region_code__startswith=region_code)
    totals = counts(actor, AlertFilters(status="all", region=region_code), on=on)
    rate = (totals["closed"] / totals["total"] * 100) if totals["total"] else None
    by_rule = _grouped(qs, F("rule_code"), on)
    for row in by_rule:
        row["label"] = rule_label(row["k"])
    child_len = CHILD_LENGTH.get(len(region_code))
    by_region: list[dict[str, Any]] = []
    if child_len:
        by_region = _grouped(qs, Substr("region_code", 1, child_len), on)
        names = region_names([r["k"] for r in by_region])
        for row in by_region:
            row["label"] = names.get(row["k"], row["k"])
        by_region.sort(key=lambda r: r["k"])
    by_unit = _grouped(qs, F("unit_code"), on)
    names = region_names([r["k"] for r in by_unit])
    for row in by_unit:
        row["label"] = names.get(row["k"], row["k"])
    return {
        "totals": totals,
        "rate": rate,
        "median": median_close_time(qs),
        "by_rule": by_rule,
        "by_region": by_region,
        "by_unit": by_unit[:50],
        "unit_count": len(by_unit),
    }
