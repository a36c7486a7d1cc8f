"""Reads behind the home page: every query is scoped to the actor and bounded in number."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr

from fupin.accounts.models import Grant
from fupin.core.access import Actor, Perm
from fupin.regions.models import CODE_LENGTH, Level, Region, VillageProfile

# The breakdown table never lists more rows than this (a province has ~4,000 townships).
BREAKDOWN_LIMIT = 300


def jurisdiction_summary(actor: Actor) -> dict[str, Any]:
    """Counts of regions by level, poor villages and users inside the actor's jurisdiction."""
    region_q = actor.scope_q(Perm.REGION_VIEW, field="code")
    by_level = dict(
        Region.objects.filter(region_q).values_list("level").annotate(n=Count("code")).order_by()
    )
    levels = [
        {"level": value, "label": label, "count": by_level.get(value, 0)}
        for value, label in Level.choices
    ]
    poor = VillageProfile.objects.filter(
        actor.scope_q(Perm.REGION_VIEW, field="region__code")
    ).aggregate(
        poor=Count("pk", filter=Q(is_poor_village=True)),
        exited=Count("pk", filter=Q(is_poor_village=True, exit_year__isnull=False)),
    )
    users = (
        Grant.objects.filter(actor.scope_q(Perm.USER_VIEW, field="region__code"))
        .values("user_id")
        .distinct()
        .count()
        if actor.has_perm(Perm.USER_VIEW)
        else None
    )
    return {
        "levels": levels,
        "poor_villages": poor["poor"],
        "exited_villages": poor["exited"],
        "users": users,
        "breakdown": poor_village_breakdown(actor),
    }


def breakdown_level(actor: Actor) -> int:
    """Townships when the jurisdiction lies within counties, otherwise counties."""
    codes = actor.region_codes(Perm.REGION_VIEW)
    if codes and all(len(code) >= CODE_LENGTH[Level.COUNTY] for code in codes):
        return Level.TOWNSHIP
    return Level.COUNTY


def poor_village_breakdown(actor: Actor) -> dict[str, Any]:
    """Villages, poor villages and exited poor villages per township (or county), in 3 queries.

    Within counties every township is listed. Above the county level (a city, a province, a
    system administrator) only the counties that have village profiles are listed: a whole
    province or country of all-zero rows would hide the counties that matter.
    """
    level = breakdown_level(actor)
    scope = actor.scope_q(Perm.REGION_VIEW, field="code")
    if level == Level.TOWNSHIP:
        unit_qs = Region.objects.filter(scope, level=level)
    else:
        counties = (
            VillageProfile.objects.filter(actor.scope_q(Perm.REGION_VIEW, field="region__code"))
            .values("county_code")
            .distinct()
        )
        unit_qs = Region.objects.filter(level=level, code__in=counties)
    units = list(unit_qs.order_by("code").values_list("code", "name")[: BREAKDOWN_LIMIT + 1])
    truncated = len(units) > BREAKDOWN_LIMIT
    units = units[:BREAKDOWN_LIMIT]
    length = CODE_LENGTH[level]
    within_units = Q(pk__in=[])
    for code, _name in units:
        within_units |= Q(code__startswith=code)
    counts: dict[str, Any] = (
        {
            row["unit"]: row
            for row in Region.objects.filter(scope, within_units, level=Level.VILLAGE)
            .annotate(unit=Substr("code", 1, length))
            .values("unit")
            .annotate(
                villages=Count("code"),
                poor=Count("code", filter=Q(profile__is_poor_village=True)),
                exited=Count(
                    "code",
                    filter=Q(profile__is_poor_village=True, profile__exit_year__isnull=False),
                ),
            )
            .order_by()
        }
        if units
        else {}
    )
    rows = []
    for code, name in units:
        row = counts.get(code, {})
        rows.append(
            {
                "code": code,
                "name": name,
                "villages": row.get("villages", 0),
                "poor": row.get("poor", 0),
                "exited": row.get("exited", 0),
            }
        )
    return {
        "level_label": Level(level).label,
        "rows": rows,
        "truncated": truncated,
        "chart": {
            "names": [r["name"] for r in rows],
            "poor": [r["poor"] for r in rows],
            "exited": [r["exited"] for r in rows],
        },
    }
