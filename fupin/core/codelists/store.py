"""The code items as stored, behind a small process-local cache (see the package's notes),
and the seeding of the builtin items from the TextChoices."""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.transaction import TransactionManagementError

from fupin.core.codelists.lists import code_lists

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


_cache: dict[str, _Snapshot] = {}  # alias → committed rows, shared by the process's threads
_tables: dict[tuple[str, str], bool | float] = {}  # (alias, db name) → True or when it was absent


@dataclass
class _Pending:
    """A transaction of this thread that wrote code items and has not committed yet."""

    callback: Any  # our on_commit callback: still registered ⇔ that transaction is open
    snapshot: _Snapshot | None = None


class _Local(threading.local):
    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}


_local = _Local()


def _table_exists(using: str, *, refresh: bool = False) -> bool:
    conn = connections[using]
    key = (using, str(conn.settings_dict.get("NAME")))
    known = _tables.get(key)
    if known is True and not refresh:
        return True
    if isinstance(known, float) and not refresh and time.monotonic() - known < TTL_SECONDS:
        return False
    try:
        exists = TABLE in conn.introspection.table_names()
    except (DatabaseError, TransactionManagementError):
        exists = False  # no database (a system check without one): the code labels
    _tables[key] = True if exists else time.monotonic()
    return exists


def _load(using: str) -> _Snapshot | None:
    """The table's rows, or None when there is no table (yet) or no usable connection."""
    from fupin.core.models import CodeItem

    if not _table_exists(using):
        return None
    try:
        rows = list(
            CodeItem.objects.using(using)
            .order_by("list_key", "position", "id")
            .values_list("list_key", "value", "label", "active", "builtin")
        )
    except TransactionManagementError:  # a broken transaction: nothing may run in it
        return None
    return _snapshot_of(rows)


def _pending(using: str) -> _Pending | None:
    entry = _local.pending.get(using)
    if entry is None:
        return None
    # run_on_commit holds (savepoint ids, func, robust); a savepoint rollback drops its own.
    if any(hook[1] is entry.callback for hook in connections[using].run_on_commit):
        return entry
    # The transaction that wrote rolled back (a commit would have run the callback).
    del _local.pending[using]
    return None


def current(using: str = DEFAULT_DB_ALIAS) -> _Snapshot:
    pending = _pending(using)
    if pending is not None:
        if pending.snapshot is None:
            pending.snapshot = _load(using)
        return pending.snapshot or _fallback()
    snapshot = _cache.get(using)
    if snapshot is None or time.monotonic() - snapshot.loaded_at > TTL_SECONDS:
        loaded = _load(using)
        if loaded is None:
            return snapshot or _fallback()
        _cache[using] = snapshot = loaded
    return snapshot


def _committed(using: str) -> None:
    _local.pending.pop(using, None)
    _cache.pop(using, None)


def invalidate(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget cached rows after a write to the table. Writes through this module and model
    saves do this themselves; call it after a queryset update() or bulk_create()."""
    _cache.pop(using, None)
    conn = connections[using]
    if not conn.in_atomic_block:
        return  # autocommit: the write is already visible to every later read
    entry = _pending(using)
    if entry is not None:
        entry.snapshot = None
        return
    callback = functools.partial(_committed, using)
    transaction.on_commit(callback, using=using)
    _local.pending[using] = _Pending(callback)


def sync(using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert the builtin items the table lacks (a fresh database, a value new in code) and
    keep the builtin flags in line with the code; edited labels and order are never touched.
    Returns the number of items inserted."""
    from fupin.core.models import CodeItem

    if not _table_exists(using, refresh=True):
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
