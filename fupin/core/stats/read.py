"""Reading figures: a few summed rows of the rollup, never raw rows.

A read names the region(s) — a jurisdiction's minimal prefixes, or one region being viewed —
and the dimensions to break down by; it sums the stored rows (deltas included) of exactly
those regions at their own level, or of their children at the next level the figure rolls
up to. Every read is one query on the index (figure, level, region_code, period).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from . import sql
from .figures import LEVEL_LENGTH, Figure, figure
from .models import RollupState


@dataclass
class Reading:
    """Rows of one read: each a dict of the dimensions asked for (and `region_code` for a
    children read) and the figure's measures. `as_of` is the rollup's time when the figure is
    not live (a page shows 「数据截至 HH:MM」), otherwise None."""

    figure: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    as_of: dt.datetime | None = None

    def total(self, measure: str, **where: Any) -> int:
        return sum(r[measure] for r in self.rows if all(r.get(k) == v for k, v in where.items()))

    def by(self, key: str, measure: str) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for r in self.rows:
            out[r[key]] = out.get(r[key], 0) + r[measure]
        return out


def _level_of(length: int) -> int:
    return next(level for level, n in LEVEL_LENGTH.items() if n == length)


def _as_of(fig: Figure) -> dt.datetime | None:
    if fig.live:
        return None
    state = RollupState.objects.filter(figure=fig.name).only("refreshed_at").first()
    return state.refreshed_at if state else None


def _where(fig: Figure, codes: Sequence[str], level: int | None) -> tuple[str, list[Any]]:
    """The region condition: rows of the regions themselves at their own level (`level` None),
    or the rows at `level` inside them."""
    if level is not None and level not in fig.levels:
        raise ValueError(f"figure {fig.name} is not rolled up to level {level}")
    if "" in codes:  # all regions: the top stored level holds everything
        return "level = %s", [min(fig.levels) if level is None else level]
    clauses: list[str] = []
    params: list[Any] = []
    by_length: dict[int, list[str]] = {}
    for code in codes:
        by_length.setdefault(len(code), []).append(code)
    for length, group in sorted(by_length.items()):
        if level is None or length == LEVEL_LENGTH[level]:
            if length not in fig.lengths:
                raise ValueError(f"figure {fig.name} is not rolled up to length {length}")
            clauses.append("(level = %s AND region_code = ANY(%s))")
            params += [_level_of(length), group]
        elif length < LEVEL_LENGTH[level]:
            for code in group:
                clauses.append("(level = %s AND region_code LIKE %s)")
                params += [level, code + "%"]
    return ("(" + " OR ".join(clauses) + ")") if clauses else "FALSE", params


def _next_level(fig: Figure, length: int) -> int | None:
    deeper = [lv for lv in sorted(fig.levels) if LEVEL_LENGTH[lv] > length]
    return deeper[0] if deeper else None


def child_level(name: str, region_code: str) -> int | None:
    """The level a children read of `region_code` lists (None below the last one)."""
    fig = figure(name)
    if region_code == "":
        return min(fig.levels)  # everything's children: the top level's regions
    return _next_level(fig, len(region_code))


def read(
    name: str,
    *,
    regions: Iterable[str],
    period: int = 0,
    by: Sequence[str] = (),
    children: bool = False,
    level: int | None = None,
) -> Reading:
    """Figure `name` summed over `regions` (minimal prefixes; "" is everything), broken down
    by the dimensions `by`; with `level`, one group per region of that level inside them
    (`children`: the next level the figure rolls up to below the one region given)."""
    fig = figure(name)
    for dim in by:
        if dim not in fig.dims:
            raise ValueError(f"figure {name} has no dimension {dim!r}")
    codes = sorted(set(regions))
    reading = Reading(figure=name, as_of=_as_of(fig))
    if not codes:
        return reading
    if children:
        level = child_level(name, codes[0]) if len(codes) == 1 else None
        if level is None:
            return reading
    where, params = _where(fig, codes, level)
    listed = level is not None
    keys = (["region_code"] if listed else []) + [f"dims ->> {sql._lit(d)}" for d in by]
    sums = [f"sum(vals[{i + 1}])" for i in range(len(fig.measures))]
    select = ", ".join(keys + sums)
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    query = f"SELECT {select} FROM {sql.TABLE} WHERE figure = %s AND period = %s AND {where}{group}"
    with connection.cursor() as cursor:
        cursor.execute(query, [fig.name, period, *params])
        fetched = cursor.fetchall()
    names = (["region_code"] if listed else []) + list(by)
    for row in fetched:
        values = dict(zip(names, row[: len(names)], strict=True))
        measures = {m: int(v or 0) for m, v in zip(fig.measures, row[len(names) :], strict=True)}
        if any(measures.values()) or not keys:
            reading.rows.append({**values, **measures})
    return reading


def periods(name: str, *, regions: Iterable[str]) -> list[int]:
    """The periods the figure has rows for in `regions`, newest first (e.g. frozen years)."""
    fig = figure(name)
    codes = sorted(set(regions))
    if not codes:
        return []
    where, params = _where(fig, codes, None)
    sums = " OR ".join(f"sum(vals[{i + 1}]) <> 0" for i in range(len(fig.measures)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT period FROM {sql.TABLE} WHERE figure = %s AND {where}"
            f" GROUP BY period HAVING {sums} ORDER BY period DESC",
            [fig.name, *params],
        )
        return [row[0] for row in cursor.fetchall()]
