"""Reads behind the home page: every figure comes from the rollups (core.stats), scoped to
the actor's jurisdiction, in a constant number of small queries whatever the data size."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fupin.accounts.models import Grant
from fupin.core import stats
from fupin.core.access import Actor, Perm
from fupin.regions import figures as region_figures
from fupin.regions.models import CODE_LENGTH, Level, Region
from fupin.registry import codes as registry_codes
from fupin.registry import figures as registry_figures

# The breakdown table never lists more rows than this (a province has ~4,000 townships).
BREAKDOWN_LIMIT = 300
POOR = {str(s) for s in registry_codes.POOR_STATUSES}
REGIONS = region_figures.REGIONS.name
VILLAGES = region_figures.VILLAGES.name
HOUSEHOLDS = registry_figures.HOUSEHOLDS.name


def incidence(poor_persons: int, rural_population: int) -> Decimal | None:
    """贫困发生率 in percent (two decimals), None without population data."""
    if not rural_population:
        return None
    rate = Decimal(poor_persons) * 100 / Decimal(rural_population)
    return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def household_summary(actor: Actor, villages: stats.Reading | None = None) -> dict[str, Any] | None:
    """Households and persons by status and the incidence rate of the household jurisdiction
    (None without household view); `villages` is the village figure already read for the
    same regions, if any."""
    if not actor.has_perm(Perm.HOUSEHOLD_VIEW):
        return None
    regions = actor.region_codes(Perm.HOUSEHOLD_VIEW)
    reading = stats.read(HOUSEHOLDS, regions=regions, by=("status",))
    households, persons = reading.by("status", "households"), reading.by("status", "persons")
    poor_persons = sum(persons.get(s, 0) for s in POOR)
    if villages is None:
        villages = stats.read(VILLAGES, regions=regions)
    rural = villages.total("rural_population")
    return {
        "poor_households": sum(households.get(s, 0) for s in POOR),
        "poor_persons": poor_persons,
        "exited_households": households.get(registry_codes.Status.EXITED, 0),
        "exited_persons": persons.get(registry_codes.Status.EXITED, 0),
        "incidence": incidence(poor_persons, rural),
        "as_of": reading,
    }


def jurisdiction_summary(actor: Actor) -> dict[str, Any]:
    """Counts of regions by level, poor villages and users inside the actor's jurisdiction."""
    regions = actor.region_codes(Perm.REGION_VIEW)
    by_level = stats.read(REGIONS, regions=regions, by=("level",)).by("level", "regions")
    levels = [
        {"level": value, "label": label, "count": by_level.get(str(value), 0)}
        for value, label in Level.choices
    ]
    villages = stats.read(VILLAGES, regions=regions, by=("poor", "exited"))
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
        "poor_villages": villages.total("villages", poor="true"),
        "exited_villages": villages.total("villages", poor="true", exited="true"),
        "users": users,
        "households": household_summary(
            actor, villages if regions == actor.region_codes(Perm.HOUSEHOLD_VIEW) else None
        ),
        "breakdown": poor_village_breakdown(actor),
    }


def breakdown_level(actor: Actor) -> int:
    """Townships when the jurisdiction lies within counties, otherwise counties."""
    codes = actor.region_codes(Perm.REGION_VIEW)
    if codes and all(len(code) >= CODE_LENGTH[Level.COUNTY] for code in codes):
        return Level.TOWNSHIP
    return Level.COUNTY


def poor_village_breakdown(actor: Actor) -> dict[str, Any]:
    """Villages, poor villages, exited poor villages, poor persons and the incidence rate per
    township (or county), from the rollups at that level.

    Within counties every township is listed. Above the county level (a city, a province, a
    system administrator) only the counties that have village profiles are listed: a whole
    province or country of all-zero rows would hide the counties that matter.
    """
    level = breakdown_level(actor)
    regions = actor.region_codes(Perm.REGION_VIEW)
    profiles = stats.read(VILLAGES, regions=regions, by=("poor", "exited"), level=level)
    counts = stats.read(REGIONS, regions=regions, by=("level",), level=level)
    if level == Level.TOWNSHIP:
        units = sorted({r["region_code"] for r in counts.rows})
    else:
        units = sorted({r["region_code"] for r in profiles.rows})
    truncated = len(units) > BREAKDOWN_LIMIT
    units = units[:BREAKDOWN_LIMIT]
    names = dict(Region.objects.filter(code__in=units).values_list("code", "name"))
    seen = actor.has_perm(Perm.HOUSEHOLD_VIEW)
    poor_persons: dict[str, int] = {}
    if seen:
        households = stats.read(HOUSEHOLDS, regions=regions, by=("status",), level=level)
        for r in households.rows:
            code = r["region_code"]
            if r["status"] in POOR and actor.can(Perm.HOUSEHOLD_VIEW, code):
                poor_persons[code] = poor_persons.get(code, 0) + r["persons"]
    village_level = str(int(Level.VILLAGE))
    villages: dict[str, int] = {}
    for r in counts.rows:
        if r["level"] == village_level:
            villages[r["region_code"]] = villages.get(r["region_code"], 0) + r["regions"]
    per_unit: dict[str, dict[str, int]] = {}
    for r in profiles.rows:
        unit = per_unit.setdefault(r["region_code"], {"poor": 0, "exited": 0, "rural": 0})
        unit["rural"] += r["rural_population"]
        if r["poor"] == "true":
            unit["poor"] += r["villages"]
            unit["exited"] += r["villages"] if r["exited"] == "true" else 0
    rows = []
    for code in units:
        unit = per_unit.get(code, {"poor": 0, "exited": 0, "rural": 0})
        persons = poor_persons.get(code, 0) if seen else None
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "villages": villages.get(code, 0),
                "poor": unit["poor"],
                "exited": unit["exited"],
                "poor_persons": persons,
                "incidence": incidence(persons, unit["rural"]) if persons is not None else None,
            }
        )
    return {
        "level_label": Level(level).label,
        "rows": rows,
        "truncated": truncated,
        "households": seen,
        "chart": {
            "names": [r["name"] for r in rows],
            "poor": [r["poor"] for r in rows],
            "exited": [r["exited"] for r in rows],
        },
    }
