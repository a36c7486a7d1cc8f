"""Seeding the calendar from the `chinese-calendar` package (the State Council's holiday
notices 2004–2026 as data) after every `migrate`.

Only years the database lacks are inserted: a year already present — seeded earlier, or
entered or edited by an administrator — is never touched, so a newer package can add a
year but never overwrite what an administrator decided.
"""

from __future__ import annotations

import functools
from datetime import date
from importlib import metadata
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from fupin.core.calendar import hooks
from fupin.core.calendar.store import invalidate, tables_exist

# The package names holidays in English; the notices' Chinese names.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_version() -> str:
    try:
        return metadata.version("chinese-calendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - installed with the project
        return "?"


def _chinese(name: str) -> str:
    return NAMES.get(name, name)


@functools.cache
def package_years() -> dict[int, list[tuple[date, str, str]]]:
    """The package's exceptions grouped by the year each date falls in:
    year → [(date, "holiday" | "workday", Chinese name)]."""
    from chinese_calendar import constants

    years: dict[int, list[tuple[date, str, str]]] = {}
    for day, name in constants.holidays.items():
        years.setdefault(day.year, []).append((day, "holiday", _chinese(str(name))))
    for day, name in constants.workdays.items():
        years.setdefault(day.year, []).append((day, "workday", _chinese(str(name))))
    for days in years.values():
        days.sort()
    return dict(sorted(years.items()))


def seed(using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Insert the package's years the database lacks, as official. Returns those years."""
    from fupin.core.models import CalendarDay, CalendarYear

    if not tables_exist(using, refresh=True):
        return []
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:  # two migrates at once: one seeds
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fupin.core.calendar.seed'))")
        present = set(CalendarYear.objects.using(using).values_list("year", flat=True))
        missing = {y: days for y, days in package_years().items() if y not in present}
        if not missing:
            return []
        basis = f"chinese-calendar {package_version()}"
        years = CalendarYear.objects.using(using).bulk_create(
            [
                CalendarYear(
                    year=year,
                    status=CalendarYear.Status.OFFICIAL,
                    source=CalendarYear.Source.PACKAGE,
                    basis=basis,
                )
                for year in missing
            ]
        )
        CalendarDay.objects.using(using).bulk_create(
            [
                CalendarDay(calendar_year=row, date=day, kind=kind, name=name)
                for row in years
                for day, kind, name in missing[row.year]
            ]
        )
        invalidate(using)
        hooks.changed(set(missing), using=using)
    return sorted(missing)


def on_post_migrate(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    seed(using)
