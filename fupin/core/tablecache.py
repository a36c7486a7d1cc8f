"""A process cache of a small table read as a whole (code lists, the working-day calendar).

Reads are served from a snapshot shared by the process's threads and reloaded after
`ttl` seconds; a write through the owner calls `invalidate()`, which drops the process's
copy at once (other processes follow within the TTL). Inside the transaction that wrote,
that thread sees its own rows (a private snapshot) and never publishes them to the shared
cache, so a rolled-back write leaves nothing behind. Before the tables exist (a first
`migrate`, system checks without a database) the owner's fallback serves, without a failing
query: whether the tables exist is itself remembered (absence for `ttl` seconds).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction


class HasLoadedAt(Protocol):
    @property
    def loaded_at(self) -> float: ...


S = TypeVar("S", bound=HasLoadedAt)


@dataclass
class _Pending(Generic[S]):
    """A transaction of this thread that wrote the table and has not committed yet."""

    callback: Any  # our on_commit callback: still registered ⇔ that transaction is open
    snapshot: S | None = None


class _Local(threading.local):
    def __init__(self) -> None:
        self.pending: dict[str, _Pending[Any]] = {}


class TableCache(Generic[S]):
    def __init__(
        self,
        *,
        tables: Iterable[str],
        load: Callable[[str], S | None],
        fallback: Callable[[], S],
        ttl: float = 30.0,
    ) -> None:
        self.table_names = tuple(tables)
        self.load = load  # the snapshot of the rows, None when no usable connection
        self.fallback = fallback
        self.ttl = ttl
        self.committed: dict[str, S] = {}  # alias → committed rows
        self.tables: dict[tuple[str, str], bool | float] = {}  # True, or when found absent
        self._local = _Local()

    def tables_exist(self, using: str = DEFAULT_DB_ALIAS, *, refresh: bool = False) -> bool:
        conn = connections[using]
        key = (using, str(conn.settings_dict.get("NAME")))
        known = self.tables.get(key)
        if known is True and not refresh:
            return True
        if isinstance(known, float) and not refresh and time.monotonic() - known < self.ttl:
            return False
        try:
            names = set(conn.introspection.table_names())
        except (DatabaseError, transaction.TransactionManagementError):
            names = set()  # no database (a system check without one): the fallback serves
        exists = all(t in names for t in self.table_names)
        self.tables[key] = True if exists else time.monotonic()
        return exists

    def _load(self, using: str) -> S | None:
        if not self.tables_exist(using):
            return None
        try:
            return self.load(using)
        except transaction.TransactionManagementError:  # a broken transaction: no query
            return None

    def _pending(self, using: str) -> _Pending[S] | None:
        entry = self._local.pending.get(using)
        if entry is None:
            return None
        # run_on_commit holds (savepoint ids, func, robust); a savepoint rollback drops its own.
        if any(hook[1] is entry.callback for hook in connections[using].run_on_commit):
            return entry
        del self._local.pending[using]  # the transaction that wrote rolled back
        return None

    def current(self, using: str = DEFAULT_DB_ALIAS) -> S:
        """What this thread should see: its own uncommitted writes inside the transaction
        that made them, otherwise the committed rows (cached for `ttl` seconds)."""
        pending = self._pending(using)
        if pending is not None:
            if pending.snapshot is None:
                pending.snapshot = self._load(using)
            return pending.snapshot or self.fallback()
        snapshot = self.committed.get(using)
        if snapshot is None or time.monotonic() - snapshot.loaded_at > self.ttl:
            loaded = self._load(using)
            if loaded is None:
                return snapshot or self.fallback()
            self.committed[using] = snapshot = loaded
        return snapshot

    def _on_commit(self, using: str) -> None:
        self._local.pending.pop(using, None)
        self.committed.pop(using, None)

    def invalidate(self, using: str = DEFAULT_DB_ALIAS) -> None:
        """Forget the cached rows after a write to the tables."""
        self.committed.pop(using, None)
        if not connections[using].in_atomic_block:
            return  # autocommit: the write is already visible to every later read
        entry = self._pending(using)
        if entry is not None:
            entry.snapshot = None
            return
        callback = functools.partial(self._on_commit, using)
        transaction.on_commit(callback, using=using)
        self._local.pending[using] = _Pending(callback)
