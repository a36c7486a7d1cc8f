"""Who must hear of a calendar change: apps whose open deadlines count working days.

An app registers a callable in its `AppConfig.ready()`:

    calendar.on_change(recompute_complaint_deadlines)  # fn(changed_years: set[int])

Every write to the calendar (an administrator's save or status change, the seed inserting
a year) calls each registered callable with the years it changed, once the transaction has
committed — never for a write that rolled back. Each call is `robust`: one app's failure is
logged and does not keep the others from running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, transaction

Recompute = Callable[[set[int]], None]

_listeners: list[Recompute] = []


def on_change(fn: Recompute) -> Recompute:
    """Register `fn(changed_years)` (idempotent; usable as a decorator)."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def remove_on_change(fn: Recompute) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def changed(years: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Schedule the registered callables for `years`, on commit of the current transaction
    (at once in autocommit)."""
    frozen = frozenset(years)
    if not frozen:
        return
    for fn in list(_listeners):
        transaction.on_commit(_caller(fn, frozen), using=using, robust=True)


def _caller(fn: Recompute, years: frozenset[int]) -> Callable[[], None]:
    # A function, not a partial: Django names a failing robust callback by __qualname__.
    def recompute() -> None:
        fn(set(years))

    recompute.__qualname__ = f"calendar recompute {getattr(fn, '__qualname__', fn)!s}"
    return recompute
