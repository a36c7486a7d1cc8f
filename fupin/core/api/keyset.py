"""The one keyset pagination of the platform's lists (pages and API alike), with capped counts.

A list declares its sort as `Key`s ending with a unique column (the id). A page is read as
`SELECT keys FROM (the filtered query) k WHERE <after the cursor> ORDER BY keys LIMIT n+1`:
PostgreSQL pulls the subquery up, so the jurisdiction prefix and the sort are served by the
list's index and a deep page costs what the first one costs — never OFFSET. The "after" test is
written `k1 >= v1 AND (k1 > v1 OR (k2 >= v2 AND (k2 > v2 OR …)))` so the leading column is an
index range whatever the directions (the ORM writes it when no key needs more); a `pattern` key (a `varchar_pattern_ops` region code) is
compared and ordered with the pattern operators (`~<~`, `~>~`) that index understands.

Counts are capped: up to `COUNT_CAP` rows are counted (a LIMIT subquery), beyond that the list
says "1万+"; an exact figure is computed only when asked for (`exact_count`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import connections
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy

from fupin.core.errors import ValidationFailed

COUNT_CAP = 10_000
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
BAD_CURSOR = "翻页参数无效，请从第一页重新查询"

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Key:
    """One sort column: `field` (a lookup path of the queryset's model), its direction, its
    type (for the cursor) and whether it is a `varchar_pattern_ops` column."""

    field: str
    desc: bool = False
    kind: type = int  # int | str | dt.datetime | dt.date
    pattern: bool = False


def keys(*spec: str, **kinds: Any) -> tuple[Key, ...]:
    """`keys("-first_seen_at", "-id", first_seen_at=dt.datetime)`: Django's order_by notation;
    a name prefixed with `~` is a pattern-ops column (str)."""
    out = []
    for item in spec:
        desc = item.startswith("-")
        name = item.lstrip("-")
        pattern = name.startswith("~")
        name = name.lstrip("~")
        out.append(Key(name, desc, str if pattern else kinds.get(name, int), pattern))
    return tuple(out)


# --- cursors ---------------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _load(key: Key, value: Any) -> Any:
    if key.kind is int:
        # A bigint, or PostgreSQL would refuse the comparison (a 500 instead of a 422).
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**63:
            raise ValueError(value)
        return value
    if not isinstance(value, str) or len(value) > 64 or "\x00" in value:
        raise ValueError(value)
    if key.kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if key.kind is dt.date:
        return dt.date.fromisoformat(value)
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_dump(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, spec: Sequence[Key], *, name: str = "cursor") -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(spec):
            raise ValueError(raw)
        return [_load(k, v) for k, v in zip(spec, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed(BAD_CURSOR, errors={name: ["无效"]}) from exc


# --- pages -----------------------------------------------------------------------------------


def _after(spec: Sequence[Key], values: Sequence[Any], i: int = 0) -> tuple[str, list[Any]]:
    key, col = spec[i], f"k.k{i}"
    if key.pattern:
        strict, loose = ("~<~", "~<=~") if key.desc else ("~>~", "~>=~")
    else:
        strict, loose = ("<", "<=") if key.desc else (">", ">=")
    if i == len(spec) - 1:
        return f"{col} {strict} %s", [values[i]]
    rest, params = _after(spec, values, i + 1)
    return (
        f"{col} {loose} %s AND ({col} {strict} %s OR ({rest}))",
        [values[i], values[i], *params],
    )


def _order(spec: Sequence[Key]) -> str:
    parts = []
    for i, key in enumerate(spec):
        if key.pattern:
            parts.append(f"k.k{i} USING {'~>~' if key.desc else '~<~'}")
        else:
            parts.append(f"k.k{i} {'DESC' if key.desc else 'ASC'}")
    return ", ".join(parts)


def page_keys(
    qs: QuerySet[Any], spec: Sequence[Key], after: Sequence[Any] | None, limit: int
) -> list[tuple[Any, ...]]:
    """The sort keys of up to `limit` rows after `after`, in order (one query)."""
    aliases = {f"k{i}": F(key.field) for i, key in enumerate(spec)}
    inner, params = qs.order_by().values(**aliases).query.sql_with_params()
    where, extra = "", cast(list[Any], [])
    if after is not None:
        cond, extra = _after(spec, after)
        where = f"WHERE {cond}"
    # `inner` is Django-built and parameterised; the rest is built from the declared keys.
    sql = f"SELECT * FROM ({inner}) k {where} ORDER BY {_order(spec)} LIMIT %s"
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, [*params, *extra, limit])
        return [tuple(row) for row in cursor.fetchall()]


@dataclass
class KeysetPage(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _after_q(spec: Sequence[Key], values: Sequence[Any], i: int = 0) -> Q:
    """`_after` as a Q, for keys without pattern operators (the ORM path)."""
    key, value = spec[i], values[i]
    strict, loose = ("lt", "lte") if key.desc else ("gt", "gte")
    if i == len(spec) - 1:
        return Q(**{f"{key.field}__{strict}": value})
    return Q(**{f"{key.field}__{loose}": value}) & (
        Q(**{f"{key.field}__{strict}": value}) | _after_q(spec, values, i + 1)
    )


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def keyset_page(
    qs: QuerySet[M],
    spec: Sequence[Key],
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor_name: str = "cursor",
) -> KeysetPage[M]:
    """One page of `qs` in the order of `spec` (the last key is the primary key). One query
    (the page's ids in a LIMIT subquery); two (the page's keys, then its rows) when a key
    needs the pattern operators, which the ORM cannot write."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    after = decode_cursor(cursor, spec, name=cursor_name) if cursor else None
    if any(key.pattern for key in spec):
        rows = page_keys(qs, spec, after, limit + 1)
        ids = [row[-1] for row in rows[:limit]]
        by_id = qs.order_by().in_bulk(ids) if ids else {}
        items = [by_id[pk] for pk in ids if pk in by_id]
        last: Sequence[Any] | None = rows[limit - 1] if len(rows) > limit else None
    else:
        page = qs.filter(_after_q(spec, after)) if after is not None else qs
        order = [f"{'-' if key.desc else ''}{key.field}" for key in spec]
        # The page's ids are chosen on the list's own table (its index), and only those rows
        # are joined to what select_related names: one query, no join over the whole scope.
        page_ids = page.order_by(*order).values("pk")[: limit + 1]
        fetched = list(qs.filter(pk__in=page_ids).order_by(*order))
        items = fetched[:limit]
        last = [_value(items[-1], key.field) for key in spec] if len(fetched) > limit else None
    return KeysetPage(items=items, next_cursor=encode_cursor(last) if last else None)


# --- counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCount:
    value: int
    capped: bool  # more than `value` rows: shown as "1万+"
    exact: bool = False  # computed exactly on request

    @property
    def label(self) -> str:
        return count_label(self.value, self.capped)


def count_label(count: int, capped: bool) -> str:
    return f"{max(1, count // 10_000)}万+" if capped else str(count)


def capped_count(qs: QuerySet[Any], cap: int | None = None) -> ListCount:
    """Rows of `qs` counted up to `cap` (a LIMIT subquery: the cost is bounded by the cap)."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return ListCount(min(n, cap), n > cap)


def exact_count(qs: QuerySet[Any]) -> ListCount:
    """The exact figure, computed only when a user asks for it."""
    return ListCount(int(qs.order_by().count()), False, exact=True)


def list_count(qs: QuerySet[Any], *, exact: bool = False) -> ListCount:
    return exact_count(qs) if exact else capped_count(qs)


class _PatternOrder(OrderBy):
    """ORDER BY a varchar_pattern_ops column in that index's order (`USING ~<~` / `~>~`).
    The trailing comment names the direction for Django's compiler, which looks for it."""

    template = "%(expression)s USING ~<~ /* ASC */"


class _PatternOrderDesc(OrderBy):
    template = "%(expression)s USING ~>~ /* DESC */"


def pattern_order(field: str, *, desc: bool = False) -> OrderBy:
    """An ORM ordering a `varchar_pattern_ops` index serves (the default `ORDER BY` uses the
    collation's operators, which that index cannot; region codes sort the same either way)."""
    return (_PatternOrderDesc if desc else _PatternOrder)(F(field))
