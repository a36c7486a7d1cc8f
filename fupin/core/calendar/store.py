"""The calendar as stored, behind a small process-local cache (the package's notes).

The whole table is a few hundred rows (about 35 exceptions a year), so one query loads it
into a snapshot that answers every question without touching the database again: the
status of each year, the holidays and adjusted working days by date, and a prefix sum of
the adjustments to the Mon–Fri rule so that counting working days between two dates is two
binary searches, not a walk over the days.
"""

from __future__ import annotations

import bisect
import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from fupin.core.tablecache import TableCache

TTL_SECONDS = 30.0
TABLES = ("core_calendaryear", "core_calendarday")

OFFICIAL = "official"
PROVISIONAL = "provisional"
UNKNOWN = "unknown"
HOLIDAY = "holiday"
WORKDAY = "workday"
PACKAGE = "package"
MANUAL = "manual"


def weekdays_through(ordinal: int) -> int:
    """How many Mon–Fri days there are from 0001-01-01 (a Monday, ordinal 1) through
    `ordinal`."""
    return (ordinal // 7) * 5 + min(ordinal % 7, 5)


@dataclass(frozen=True)
class Snapshot:
    years: dict[int, str]  # year → official / provisional
    holidays: dict[date, str]  # date → the festival's name
    workdays: dict[date, str]  # date → the festival it is worked for (may be "")
    loaded_at: float = field(default_factory=time.monotonic)
    # Dates where the Mon–Fri rule is wrong (ordinals, sorted) and the running sum of the
    # corrections through each: −1 for a holiday on a weekday, +1 for a worked weekend day.
    _adjust_at: list[int] = field(default_factory=list, repr=False)
    _adjust_sum: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def build(
        cls,
        years: dict[int, str],
        days: Iterable[tuple[date, str, str]],  # (date, "holiday" | "workday", name)
    ) -> Snapshot:
        holidays: dict[date, str] = {}
        workdays: dict[date, str] = {}
        corrections: list[tuple[int, int]] = []
        for day, kind, name in days:
            weekend = day.weekday() >= 5
            if kind == HOLIDAY:
                holidays[day] = name
                if not weekend:
                    corrections.append((day.toordinal(), -1))
            else:
                workdays[day] = name
                if weekend:
                    corrections.append((day.toordinal(), 1))
        corrections.sort()
        running = 0
        sums = []
        for _, delta in corrections:
            running += delta
            sums.append(running)
        return cls(
            years=years,
            holidays=holidays,
            workdays=workdays,
            _adjust_at=[o for o, _ in corrections],
            _adjust_sum=sums,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def working_days_through(self, day: date) -> int:
        """W(day): the working days from the beginning of time through `day` (only the
        differences mean anything)."""
        ordinal = day.toordinal()
        i = bisect.bisect_right(self._adjust_at, ordinal)
        return weekdays_through(ordinal) + (self._adjust_sum[i - 1] if i else 0)

    def status(self, year: int) -> str:
        return self.years.get(year, UNKNOWN)


@functools.cache
def package_snapshot() -> Snapshot:
    """The bundled data, used before the tables exist (a first `migrate`, system checks)."""
    from fupin.core.calendar.bundled import package_years

    years: dict[int, str] = {}
    days: list[tuple[date, str, str]] = []
    for year, year_days in package_years().items():
        years[year] = OFFICIAL
        days += year_days
    return Snapshot.build(years, days)


def _load(using: str) -> Snapshot:
    from fupin.core.models import CalendarDay, CalendarYear

    years = dict(CalendarYear.objects.using(using).values_list("year", "status"))
    days = list(CalendarDay.objects.using(using).values_list("date", "kind", "name"))
    return Snapshot.build(years, days)


CACHE: TableCache[Snapshot] = TableCache(
    tables=TABLES, load=_load, fallback=package_snapshot, ttl=TTL_SECONDS
)


def tables_exist(using: str = DEFAULT_DB_ALIAS, *, refresh: bool = False) -> bool:
    return CACHE.tables_exist(using, refresh=refresh)


def current(using: str = DEFAULT_DB_ALIAS) -> Snapshot:
    """The calendar this thread should see: its own uncommitted writes inside the
    transaction that made them, otherwise the committed rows (cached for TTL_SECONDS)."""
    return CACHE.current(using)


def invalidate(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget the cached calendar after a write. The services and the seed call it; call it
    after writing the tables any other way."""
    CACHE.invalidate(using)


def on_saved(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    invalidate(using)
