"""The registry's dashboard figures (core.stats).

Live, kept by statement triggers on the household and member tables:
- `registry.households`: households and their current members (left_on empty) by status,
  attribute and main cause. A household's persons are counted through whichever of the two
  rows a statement touches: a household statement moves its current member count, a member
  statement moves one person at its household's dimensions.
- `registry.doubts`: the 疑点 (validation findings) by rule and severity, kept by triggers on
  the doubt table, so a sweep's delete-and-insert of a county's findings moves it in two
  statements and the 疑点 page's counts by rule and by region never count doubt rows.

Frozen, rolled up by the freeze (`snapshots.services.snapshot_years`) in its own statement,
period = the year; small figures, one per breakdown of the 年度数据 page, so a village holds a
few rows each instead of one per combination of every dimension:
- `registry.snapshot_status`: households and persons by status and "exited in that year";
- `registry.snapshot_attribute`, `registry.snapshot_cause`: by attribute, by main cause;
- `registry.snapshot_band`: households by per-capita income band against the poverty line
  of the household's county for that year, as the parameter stood at the freeze;
- `registry.snapshot_taken`: households by freeze time (the page's "冻结时间" range).
"""

from __future__ import annotations

import json
from typing import Any

from fupin.core import params
from fupin.core.stats import Figure, declare_figure

CURRENT = "left_on IS NULL"

HOUSEHOLDS = declare_figure(
    Figure(
        name="registry.households",
        label="贫困户与贫困人口（按状态、属性、致贫原因）",
        table="registry_household",
        source=(
            "SELECT r.region_code, 0, r.status, r.attribute, r.main_cause, 1,"
            " (SELECT count(*) FROM registry_member m"
            f"   WHERE m.household_id = r.id AND m.{CURRENT})"
            " FROM {rows} r"
        ),
        feeds={
            "registry_member": (
                "SELECT h.region_code, 0, h.status, h.attribute, h.main_cause, 0, 1"
                " FROM {rows} m JOIN registry_household h ON h.id = m.household_id"
                f" WHERE m.{CURRENT}"
            )
        },
        dims=("status", "attribute", "cause"),
        measures=("households", "persons"),
        maintained="trigger",
    )
)

DOUBTS = declare_figure(
    Figure(
        name="registry.doubts",
        label="逻辑校验疑点（按规则、级别）",
        table="registry_doubt",
        source="SELECT r.region_code, 0, r.rule_code, r.severity, 1 FROM {rows} r",
        dims=("rule", "severity"),
        measures=("doubts",),
        maintained="trigger",
    )
)

BANDS = (
    ("none", "无收入数据"),
    ("below", "低于贫困标准"),
    ("to_150", "标准的 1–1.5 倍"),
    ("to_200", "标准的 1.5–2 倍"),
    ("above_200", "标准的 2 倍以上"),
)
# The line of a snapshot row: its county's for its year (%(poverty_lines)s: "county:year" →
# line, from `poverty_lines`).
_BAND = (
    "CASE WHEN r.per_capita IS NULL THEN 'none'"
    " WHEN r.per_capita < l.line THEN 'below'"
    " WHEN r.per_capita < l.line * 1.5 THEN 'to_150'"
    " WHEN r.per_capita < l.line * 2 THEN 'to_200' ELSE 'above_200' END"
)


def poverty_lines(counties_years: list[tuple[str, int]]) -> dict[str, str]:
    """The source parameter of `registry.snapshot_band` for these (county, year) pairs."""
    lines: dict[str, str] = {}
    by_county: dict[str, set[int]] = {}
    for county, year in counties_years:
        by_county.setdefault(county, set()).add(year)
    for county, years in by_county.items():
        found = params.get_years("registry.poverty_line", region_code=county, years=sorted(years))
        lines.update({f"{county}:{year}": str(line) for year, line in found.items()})
    return {"poverty_lines": json.dumps(lines)}


def _all_lines() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT county_code, year FROM registry_householdsnapshot")
        pairs = [(county, year) for county, year in cursor.fetchall()]
    return poverty_lines(pairs)


def _snapshot(name: str, label: str, dims: dict[str, str], measures: dict[str, str],
              **extra: Any) -> Figure:  # fmt: skip
    columns = ", ".join([*dims.values(), *measures.values()])
    return declare_figure(
        Figure(
            name=name,
            label=label,
            table="registry_householdsnapshot",
            source=f"SELECT r.region_code, r.year, {columns} FROM {{rows}} r"
            + extra.pop("join", ""),
            dims=tuple(dims),
            measures=tuple(measures),
            maintained="freeze",
            **extra,
        )
    )


_HOUSEHOLD_PERSONS = {"households": "1", "persons": "r.size"}

SNAPSHOT_STATUS = _snapshot(
    "registry.snapshot_status",
    "年度数据：按状态",
    {"status": "r.status", "exited": "r.exit_year IS NOT DISTINCT FROM r.year"},
    _HOUSEHOLD_PERSONS,
)
SNAPSHOT_ATTRIBUTE = _snapshot(
    "registry.snapshot_attribute", "年度数据：按属性", {"attribute": "r.attribute"},
    _HOUSEHOLD_PERSONS,
)  # fmt: skip
SNAPSHOT_CAUSE = _snapshot(
    "registry.snapshot_cause", "年度数据：按致贫原因", {"cause": "r.main_cause"},
    _HOUSEHOLD_PERSONS,
)  # fmt: skip
SNAPSHOT_BAND = _snapshot(
    "registry.snapshot_band",
    "年度数据：按人均纯收入段",
    {"band": _BAND},
    {"households": "1"},
    join=(
        " JOIN (SELECT key, value::numeric AS line"
        "  FROM jsonb_each_text(%(poverty_lines)s::jsonb)) l"
        " ON l.key = r.county_code || ':' || r.year"
    ),
    params=_all_lines,
)
SNAPSHOT_TAKEN = _snapshot(
    "registry.snapshot_taken",
    "年度数据：冻结时间",
    {"taken_at": "to_char(r.taken_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"},
    {"households": "1"},
)
SNAPSHOT_FIGURES = (
    SNAPSHOT_STATUS,
    SNAPSHOT_ATTRIBUTE,
    SNAPSHOT_CAUSE,
    SNAPSHOT_BAND,
    SNAPSHOT_TAKEN,
)
