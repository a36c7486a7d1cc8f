"""The code items as stored, behind a small process-local cache (see the package's notes),
and the seeding of the builtin items from the TextChoices."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from fupin.core.codelists.lists import code_lists
from fupin.core.tablecache import TableCache

TTL_SECONDS = 30.0
TABLE = "core_codeitem"


@dataclass(frozen=True)
class Item:
    value: str
    label: str
    active: bool
    builtin: bool


@dataclass
class _Snapshot:
    items: dict[str, list[Item]]
    labels: dict[str, dict[str, str]]
    loaded_at: float


def _snapshot_of(rows: list[tuple[str, str, str, bool, bool]]) -> _Snapshot:
    """Rows (list_key, value, label, active, builtin) in display order → a snapshot; builtin
    values missing from the table (code ahead of the seed) follow with their code labels."""
    items: dict[str, list[Item]] = {key: [] for key in code_lists()}
    for key, value, label, active, builtin in rows:
        if key in items:
            items[key].append(Item(value, label, active, builtin))
    for key, cl in code_lists().items():
        present = {i.value for i in items[key]}
        items[key].extend(
            Item(str(v), str(lbl), True, True) for v, lbl in cl.codes.choices if v not in present
        )
    labels = {key: {i.value: i.label for i in its} for key, its in items.items()}
    return _Snapshot(items, labels, time.monotonic())


@functools.cache
def _fallback() -> _Snapshot:
    return _snapshot_of([])


def _load(using: str) -> _Snapshot:
    from fupin.core.models import CodeItem

    rows = list(
        CodeItem.objects.using(using)
        .order_by("list_key", "position", "id")
        .values_list("list_key", "value", "label", "active", "builtin")
    )
    return _snapshot_of(rows)


CACHE: TableCache[_Snapshot] = TableCache(
    tables=(TABLE,), load=_load, fallback=_fallback, ttl=TTL_SECONDS
)


def current(using: str = DEFAULT_DB_ALIAS) -> _Snapshot:
    return CACHE.current(using)


def invalidate(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget cached rows after a write to the table. Writes through this module and model
    saves do this themselves; call it after a queryset update() or bulk_create()."""
    CACHE.invalidate(using)


def sync(using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert the builtin items the table lacks (a fresh database, a value new in code) and
    keep the builtin flags in line with the code; edited labels and order are never touched.
    Returns the number of items inserted."""
    from fupin.core.models import CodeItem

    if not CACHE.tables_exist(using, refresh=True):
        return 0
    with transaction.atomic(using=using):
        stored = {
            (key, value): (pk, builtin)
            for pk, key, value, builtin in CodeItem.objects.using(using).values_list(
                "pk", "list_key", "value", "builtin"
            )
        }
        new: list[CodeItem] = []
        adopt: list[int] = []  # custom items whose value is now defined in code
        release: list[int] = []  # builtin items whose value left the code
        for key, cl in code_lists().items():
            values = set(cl.codes.values)
            for n, (value, text) in enumerate(cl.codes.choices, 1):
                row = stored.get((key, value))
                if row is None:
                    new.append(
                        CodeItem(
                            list_key=key,
                            value=value,
                            label=str(text),
                            position=n * 10,
                            builtin=True,
                        )
                    )
                elif not row[1]:
                    adopt.append(row[0])
            release += [
                pk for (k, v), (pk, b) in stored.items() if k == key and b and v not in values
            ]
        CodeItem.objects.using(using).bulk_create(new, ignore_conflicts=True)
        if adopt:  # builtin items are never inactive
            CodeItem.objects.using(using).filter(pk__in=adopt).update(builtin=True, active=True)
        if release:
            CodeItem.objects.using(using).filter(pk__in=release).update(builtin=False)
        if new or adopt or release:
            invalidate(using)
    return len(new)


def on_post_migrate(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    sync(using)


def on_item_saved(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    invalidate(using)
