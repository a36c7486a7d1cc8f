"""Ordered, bounded parallel map over forked worker processes (the import's parse step).

Parsing a registry file is CPU-bound Python (cell conversion, the GB 11643 check, AES-GCM and
the keyed hash per person), so large files are parsed by worker processes while the job's
own process reads the file and streams the parsed chunks into PostgreSQL in file order.

Workers are forked: they inherit the parser (its code maps and caches) and the keys without
pickling, and never touch the database (the inherited connection is left alone and they end
with os._exit, so it is not closed under the parent). At most `window` chunks are in flight,
so memory stays bounded however large the file is.

The pool must never outlive its job, whatever happens to either side:
- the workers get the default SIGTERM back (a forked child inherits the job process's
  handler, `run_worker`'s "stop after the current job", and then ignored the pool's
  terminate, which waited for them for ever) and ignore SIGINT (the job process decides);
- they die with the job process (PR_SET_PDEATHSIG), so a killed job leaves none behind;
- a worker that dies (os._exit, the OOM killer) breaks the pool (ProcessPoolExecutor, where
  multiprocessing.Pool would replace it and wait for ever for its lost chunk): WorkerCrashed;
- on any error, and when the consumer stops early, the workers are killed, not awaited.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from django.conf import settings

K = TypeVar("K")
T = TypeVar("T")
R = TypeVar("R")

PR_SET_PDEATHSIG = 1  # linux/prctl.h

_FN: Callable[[Any], Any] | None = None


class WorkerCrashed(RuntimeError):
    """A worker process died while it had the item `key` (or another one in flight)."""

    def __init__(self, key: Any):
        super().__init__(f"a parse worker process died (item {key!r})")
        self.key = key


def _init(fn: Callable[[Any], Any], parent: int) -> None:
    global _FN
    _FN = fn
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the job process died before the line above
        os._exit(1)


def _call(item: Any) -> Any:
    assert _FN is not None
    return _FN(item)


def default_processes() -> int:
    """Worker count: the setting FUPIN_IMPORT_WORKERS, else the CPUs this process may use (at most 4)."""
    configured = settings.FUPIN_IMPORT_WORKERS
    if configured is not None:
        return max(1, configured)
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def _result(key: K, future: Future[R]) -> tuple[K, R]:
    try:
        return key, future.result()
    except BrokenProcessPool as exc:
        raise WorkerCrashed(key) from exc


def _kill(pool: ProcessPoolExecutor) -> None:
    """End the workers now: a chunk in progress is of no use once the job stopped."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)


def ordered_map(
    fn: Callable[[T], R], items: Iterable[tuple[K, T]], *, processes: int, window: int = 4
) -> Iterator[tuple[K, R]]:
    """(key, fn(item)) for each (key, item), in input order. With one process (or where fork
    is unavailable) everything runs here; an error in a worker is raised here, a worker that
    dies raises WorkerCrashed, and any error (here, in reading `items` or in the consumer,
    which leaves the loop early) kills the workers."""
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for key, item in items:
            yield key, fn(item)
        return
    pool = ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init,
        initargs=(fn, os.getpid()),
    )
    finished = False
    try:
        pending: deque[tuple[K, Future[R]]] = deque()
        for key, item in items:
            try:
                future = pool.submit(_call, item)
            except BrokenProcessPool as exc:  # a worker died since the last result
                raise WorkerCrashed(key) from exc
            pending.append((key, future))
            if len(pending) >= max(window, processes):
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _kill(pool)
