"""SQL of the rollups, generated from a figure's declaration.

Every statement is one set-based INSERT … SELECT: the figure's source over a row set, each
row fanned out to the figure's region levels (`left(region_code, length)` for every declared
length up to the row's own), grouped by level, region, period and dimensions. A trigger runs
it over the statement's transition tables (new rows +1, old rows −1), so an UPDATE that moves
no figure (a phone edit) groups to zero and writes nothing.
"""

from __future__ import annotations

import hashlib

from .figures import LEVEL_LENGTH, Figure

TABLE = "core_rollup"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _levels(fig: Figure, min_length: int = 0, max_length: int = 99) -> str:
    pairs = [
        f"({level}, {LEVEL_LENGTH[level]})"
        for level in sorted(fig.levels)
        if min_length <= LEVEL_LENGTH[level] <= max_length
    ]
    return f"(VALUES {', '.join(pairs)}) AS lv(level, len)"


def rows_select(fig: Figure, rows: str, sign: int = 1) -> str:
    """The figure's source over `rows`, columns renamed, measures times `sign`."""
    cols = ["region_code", "period", *fig.dims, *fig.measures]
    measures = ", ".join(f"{'-' if sign < 0 else ''}s.{m} AS {m}" for m in fig.measures)
    dims = "".join(f"s.{d}, " for d in fig.dims)
    return (
        f"SELECT s.region_code, s.period, {dims}{measures}"
        f" FROM ({fig.source.format(rows=rows)}) AS s({', '.join(cols)})"
    )


def _sums(fig: Figure, column: str = "d.") -> list[str]:
    return [f"sum({column}{m})" for m in fig.measures]


def _dims_json(fig: Figure, alias: str = "d.") -> str:
    if not fig.dims:
        return "'{}'::jsonb"
    return "jsonb_build_object(" + ", ".join(f"{_lit(d)}, {alias}{d}" for d in fig.dims) + ")"


def rolled(fig: Figure, select: str, *, min_length: int = 0, max_length: int = 99) -> str:
    """Rows (figure, level, region_code, period, dims, vals) of `select` (a rows_select or a
    UNION ALL of them) at the figure's levels, zero groups left out."""
    dims = "".join(f", d.{d}" for d in fig.dims)
    sums = _sums(fig)
    return (
        f"SELECT {_lit(fig.name)}, lv.level, left(d.region_code, lv.len), d.period,"
        f" {_dims_json(fig)}, ARRAY[{', '.join(sums)}]::bigint[]"
        f" FROM ({select}) AS d JOIN {_levels(fig, min_length, max_length)}"
        f" ON lv.len <= length(d.region_code)"
        f" GROUP BY lv.level, left(d.region_code, lv.len), d.period{dims}"
        f" HAVING {' OR '.join(f'{s} <> 0' for s in sums)}"
    )


def insert(select: str) -> str:
    return f"INSERT INTO {TABLE} (figure, level, region_code, period, dims, vals) {select}"


def delta_insert(fig: Figure, *, new: str | None = None, old: str | None = None) -> str:
    """INSERT of the delta between the `old` and `new` row sets (either may be absent)."""
    parts = []
    if new:
        parts.append(rows_select(fig, new, 1))
    if old:
        parts.append(rows_select(fig, old, -1))
    return insert(rolled(fig, " UNION ALL ".join(parts)))


def signature(fig: Figure) -> str:
    feeds = [f"{t}:{s}" for t, s in sorted(fig.feeds.items())]
    parts = [fig.source, *fig.dims, "|", *fig.measures, "|", *map(str, fig.levels)]
    text = "\x1f".join([*parts, fig.maintained, *feeds])
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def function_name(fig: Figure, table: str) -> str:
    digest = hashlib.md5(f"{fig.name}:{table}".encode(), usedforsecurity=False).hexdigest()[:12]
    return f"fupin_stats_{digest}"


def trigger_ddl(fig: Figure, table: str, source_fig: Figure) -> str:
    """The function and three statement triggers that keep `fig` current on `table`
    (`source_fig` is `fig` with that table's SELECT as its source)."""
    fn = function_name(fig, table)
    body = f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {delta_insert(source_fig, new="new_rows")};
  ELSIF TG_OP = 'UPDATE' THEN
    {delta_insert(source_fig, new="new_rows", old="old_rows")};
  ELSE
    {delta_insert(source_fig, old="old_rows")};
  END IF;
  RETURN NULL;
END $fn$;
"""
    triggers = []
    for op, ref in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        triggers.append(
            f'CREATE OR REPLACE TRIGGER "{fn}_{op.lower()}" AFTER {op} ON "{table}"'
            f" REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION {fn}();"
        )
    return body + "\n".join(triggers)


def actual_select(fig: Figure, where: str = "") -> str:
    """The stored rollup of `fig`, one row per key (deltas summed, zero keys left out)."""
    sums = [f"sum(vals[{i + 1}])" for i in range(len(fig.measures))]
    return (
        f"SELECT level, region_code, period, dims, ARRAY[{', '.join(sums)}]::bigint[] AS vals"
        f" FROM {TABLE} WHERE figure = {_lit(fig.name)} {where}"
        f" GROUP BY level, region_code, period, dims"
        f" HAVING {' OR '.join(f'{s} <> 0' for s in sums)}"
    )


def expected_select(fig: Figure) -> str:
    """The rollup recomputed from the raw rows of the figure's table."""
    return (
        "SELECT level, region_code, period, dims, vals FROM ("
        + rolled(fig, rows_select(fig, fig.table))
        + ") AS e(figure, level, region_code, period, dims, vals)"
    )


def verify_sql(fig: Figure) -> str:
    return (
        f"SELECT level, region_code, period, dims, e.vals, a.vals"
        f" FROM ({expected_select(fig)}) AS e FULL JOIN ({actual_select(fig)}) AS a"
        f" USING (level, region_code, period, dims)"
        f" WHERE e.vals IS DISTINCT FROM a.vals ORDER BY level, region_code, period"
    )


def compact_sql(fig: Figure) -> str:
    """Fold every key that has several rows into one (a key summing to zero disappears)."""
    name = _lit(fig.name)
    sums = [f"sum(vals[{i + 1}])" for i in range(len(fig.measures))]
    return (
        f"WITH k AS (SELECT level, region_code, period, dims FROM {TABLE}"
        f"  WHERE figure = {name} GROUP BY level, region_code, period, dims"
        f"  HAVING count(*) > 1),"
        f" d AS (DELETE FROM {TABLE} r USING k WHERE r.figure = {name} AND r.level = k.level"
        f"  AND r.region_code = k.region_code AND r.period = k.period AND r.dims = k.dims"
        f"  RETURNING r.level, r.region_code, r.period, r.dims, r.vals) "
        + insert(
            f"SELECT {name}, level, region_code, period, dims, ARRAY[{', '.join(sums)}]::bigint[]"
            f" FROM d GROUP BY level, region_code, period, dims"
            f" HAVING {' OR '.join(f'{s} <> 0' for s in sums)}"
        )
    )
