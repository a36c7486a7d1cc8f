"""Ordered, bounded parallel map over forked worker processes (the import's parse step).

Parsing a registry file is CPU-bound Python (cell conversion, the GB 11643 check, AES-GCM and
the keyed hash per person), so large files are parsed by worker processes while the job's
own process reads the file and streams the parsed chunks into PostgreSQL in file order.

Workers are forked: they inherit the parser (its code maps and caches) and the keys without
pickling, and never touch the database (the inherited connection is left alone and they end
with os._exit, so it is not closed under the parent). At most `window` chunks are in flight,
so memory stays bounded however large the file is.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from django.conf import settings

K = TypeVar("K")
T = TypeVar("T")
R = TypeVar("R")

_FN: Callable[[Any], Any] | None = None


def _init(fn: Callable[[Any], Any]) -> None:
    global _FN
    _FN = fn


def _call(item: Any) -> Any:
    assert _FN is not None
    return _FN(item)


def default_processes() -> int:
    """Worker count: the setting FUPIN_IMPORT_WORKERS, else the CPUs this process may use (at most 4)."""
    configured = settings.FUPIN_IMPORT_WORKERS
    if configured is not None:
        return max(1, configured)
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def ordered_map(
    fn: Callable[[T], R], items: Iterable[tuple[K, T]], *, processes: int, window: int = 4
) -> Iterator[tuple[K, R]]:
    """(key, fn(item)) for each (key, item), in input order. With one process (or where fork
    is unavailable) everything runs here; an error in a worker is raised here, and leaving
    the loop early (an error in the consumer) terminates the workers."""
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for key, item in items:
            yield key, fn(item)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_init, initargs=(fn,)) as pool:
        pending: deque[tuple[K, Any]] = deque()
        for key, item in items:
            pending.append((key, pool.apply_async(_call, (item,))))
            if len(pending) >= max(window, processes):
                done_key, result = pending.popleft()
                yield done_key, result.get()
        while pending:
            done_key, result = pending.popleft()
            yield done_key, result.get()
