"""Keeping the rollups: triggers after migrate, rebuild, refresh, compaction, verification.

Every function takes figure names (or all declared figures) and works set-based in SQL; a
figure's recomputation runs under a transaction-level advisory lock of its own, so two
compactions or a compaction and a refresh of the same figure never interleave.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from . import sql
from .figures import LEVEL_LENGTH, Figure, figure, figures
from .models import RollupState

LOCK_NAMESPACE = 7106


def _lock(fig: Figure) -> None:
    key = zlib.crc32(fig.name.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, key])


def _params(fig: Figure) -> dict[str, Any]:
    return fig.params() if fig.params else {}


def _touch(fig: Figure, *, built: bool) -> None:
    now = timezone.now()
    defaults: dict[str, Any] = {"signature": sql.signature(fig), "refreshed_at": now}
    if built:
        defaults["built_at"] = now
    RollupState.objects.update_or_create(
        figure=fig.name, defaults=defaults, create_defaults={**defaults, "built_at": now}
    )


def delta_sql(name: str, *, new: str | None = None, old: str | None = None) -> str:
    """The INSERT that adds the delta of the row sets `new`/`old` (table names or CTE names
    in the caller's statement) to figure `name` — for writers of `freeze` figures, which run
    it in their own transaction. The caller passes the figure's source parameters."""
    return sql.delta_insert(figure(name), new=new, old=old)


@transaction.atomic
def rebuild(names: list[str] | None = None) -> None:
    """Recompute figures from their raw rows (all declared ones by default)."""
    for fig in _selected(names):
        _lock(fig)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {sql.TABLE} WHERE figure = %s", [fig.name])
            cursor.execute(
                sql.insert(sql.rolled(fig, sql.rows_select(fig, fig.table))), _params(fig)
            )
        _touch(fig, built=True)


@transaction.atomic
def refresh(name: str, *, region_code: str = "", periods: list[int] | None = None) -> None:
    """Recompute figure `name` for one region's subtree (and periods): its rows at the
    region's level and below are replaced, the levels above receive the difference of the
    region's totals. The incremental path of `refresh` figures (after a batch, a sweep, an
    import of that county) and of a replaced frozen year."""
    fig = figure(name)
    if not region_code:
        if periods is None:
            rebuild([name])
            return
    elif len(region_code) not in fig.lengths:
        raise ValueError(f"figure {name} has no level of length {len(region_code)}")
    _lock(fig)
    length = len(region_code)
    level = next((lv for lv, n in LEVEL_LENGTH.items() if n == length), 0)
    period_src = " AND x.period = ANY(%(stats_periods)s)" if periods is not None else ""
    period_old = " AND period = ANY(%(stats_periods)s)" if periods is not None else ""
    dims = "".join(f"{d}, " for d in fig.dims)
    src_cols = f"period, {sql._dims_json(fig, '')} AS dims, " + ", ".join(fig.measures)
    old_cols = "period, dims, " + ", ".join(f"-vals[{i + 1}]" for i in range(len(fig.measures)))
    measures = [f"m{i}" for i in range(len(fig.measures))]
    sums = [f"sum(t.{m})" for m in measures]
    statement = (
        f"WITH old AS (DELETE FROM {sql.TABLE} WHERE figure = %(stats_figure)s"
        f"  AND level >= %(stats_level)s AND region_code LIKE %(stats_prefix)s{period_old}"
        f"  RETURNING level, region_code, period, dims, vals),"
        f" src AS MATERIALIZED (SELECT * FROM ({sql.rows_select(fig, fig.table)}) AS x"
        f"  WHERE x.region_code LIKE %(stats_prefix)s{period_src}),"
        f" ins AS ("
        + sql.insert(
            sql.rolled(
                fig,
                f"SELECT region_code, period, {dims}{', '.join(fig.measures)} FROM src",
                min_length=length,
            )
        )
        + " RETURNING 1) "
    )
    if length > min(fig.lengths):
        statement += sql.insert(
            f"SELECT %(stats_figure)s, lv.level, left(%(stats_code)s, lv.len), t.period, t.dims,"
            f" ARRAY[{', '.join(sums)}]::bigint[]"
            f" FROM (SELECT {src_cols} FROM src UNION ALL"
            f"  SELECT {old_cols} FROM old WHERE level = %(stats_level)s)"
            f"  AS t(period, dims, {', '.join(measures)})"
            f" CROSS JOIN {sql._levels(fig, max_length=length - 1)}"
            f" GROUP BY lv.level, lv.len, t.period, t.dims"
            f" HAVING {' OR '.join(f'{s} <> 0' for s in sums)}"
        )
    else:
        statement += "SELECT count(*) FROM ins"
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                **_params(fig),
                "stats_figure": fig.name,
                "stats_level": level,
                "stats_prefix": region_code + "%",
                "stats_code": region_code,
                "stats_periods": periods,
            },
        )
    _touch(fig, built=False)


@transaction.atomic
def compact(names: list[str] | None = None) -> int:
    """Fold the appended deltas; returns the number of rows written."""
    written = 0
    for fig in _selected(names):
        _lock(fig)
        with connection.cursor() as cursor:
            cursor.execute(sql.compact_sql(fig))
            written += cursor.rowcount
    return written


@dataclass(frozen=True)
class Difference:
    figure: str
    level: int
    region_code: str
    period: int
    dims: Any
    expected: list[int] | None
    stored: list[int] | None


def verify(names: list[str] | None = None, *, limit: int = 100) -> list[Difference]:
    """Recompute every figure from raw rows and compare it with the stored rollup."""
    out: list[Difference] = []
    for fig in _selected(names):
        with connection.cursor() as cursor:
            cursor.execute(sql.verify_sql(fig) + f" LIMIT {int(limit)}", _params(fig))
            for level, code, period, dims, expected, stored in cursor.fetchall():
                out.append(Difference(fig.name, level, code, period, dims, expected, stored))
    return out


def _selected(names: list[str] | None) -> list[Figure]:
    return [figure(n) for n in names] if names is not None else figures()


def install_triggers(using: str = "default", **_: Any) -> None:
    """post_migrate: (re)create every trigger figure's triggers, drop those of figures no
    longer declared, and build each figure that is new or whose declaration changed."""
    conn = connections[using]
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass('core_rollupstate') IS NOT NULL")
        row = cursor.fetchone()
        if not row or not row[0]:
            return
        existing = set(conn.introspection.table_names(cursor))
        wanted: set[str] = set()
        ready: list[Figure] = []
        for fig in figures():
            tables = {fig.table, *fig.feeds}
            if not tables <= existing:
                continue  # its app's migrations are not applied yet
            ready.append(fig)
            for table, source in fig.trigger_tables().items():
                feed = dataclasses.replace(fig, source=source, feeds={})
                cursor.execute(sql.trigger_ddl(fig, table, feed))
                wanted.update(
                    f"{sql.function_name(fig, table)}_{op}" for op in ("insert", "update", "delete")
                )
        cursor.execute(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'fupin\\_stats\\_%%'"
        )
        for name, table in cursor.fetchall():
            if name not in wanted:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
    states = dict(RollupState.objects.using(using).values_list("figure", "signature"))
    stale = [f.name for f in ready if states.get(f.name) != sql.signature(f)]
    if stale:
        rebuild(stale)


def nightly() -> int:
    """The daily run (the supervision scheduler's): fold the day's deltas, then recompute
    every figure from raw rows; a figure that differs is logged as an error and rebuilt, so
    the next morning's pages are right while the difference is investigated. Returns the
    number of differing figures."""
    import logging

    compact()
    differences = verify()
    wrong = sorted({d.figure for d in differences})
    if wrong:
        logging.getLogger("fupin.stats").error(
            "rollups differ from raw rows: %s (first: %s)", ", ".join(wrong), differences[0]
        )
        rebuild(wrong)
    return len(wrong)
