"""The official working-day calendar (工作日历): holidays and adjusted working days (调休)
as data, and working-day arithmetic over it. Deadlines in working days go through here
(e.g. the complaint reply deadline, SPEC §8).

Data: `CalendarYear` (one row per year: official / provisional, source, basis, who and when)
and `CalendarDay` (the dates that break the Mon–Fri rule: holidays with the festival's
Chinese name — the weekend days inside a holiday included, as notices list them — and
adjusted working days on Saturdays and Sundays). Each date belongs to the year it falls in.
After every `migrate` the years 2004–2026 of the `chinese-calendar` package are inserted
as official when the database lacks them (`seed`); a year already there — seeded, or
entered or edited by an administrator — is never overwritten. When the State Council
publishes a new year, the system administrator enters it on /system/calendar/ (provisional
until confirmed official).

Reading — `is_working_day(d)`; `add_working_days(d, n)`: the n-th working day after `d`
(before it for n < 0; `d` itself never counts; n == 0 gives `d`); `working_days_between(a,
b)`: the working days after `a` up to and including `b` (negative when b < a), so that
`working_days_between(d, add_working_days(d, n)) == n` for n >= 0. A year that is not
stored is computed with weekends only and never fails: `year_status(year)` says "official",
"provisional" or "unknown", `is_provisional(d)` whether a date's answer may still change,
`provisional_note(year)` the sentence to show (「2027年节假日安排尚未公布，按周末计算」), and
`due_date(start, n)` returns the date with those flags for a deadline.

Reads go through a process-local snapshot of the whole calendar (a few hundred rows: one
query, then no query per day), kept for TTL_SECONDS; a write through this package drops it
at once in this process (others follow within the TTL), and inside the writing transaction
reads see its own rows without publishing them to the shared cache (as code lists do).
Before the tables exist the package's data serves.

Recomputing what depends on it — an app whose open deadlines count working days registers,
in its `AppConfig.ready()`, `calendar.on_change(fn)` with `fn(changed_years: set[int])`.
After a calendar write commits (an administrator's save or status change, the seed adding
years), every registered `fn` is called with the years that changed; a rolled-back write
calls nothing, and one failing `fn` is logged without stopping the others.

The administration services take the access kernel's `Actor` and share the code lists'
system-wide edit check (`access.require_system_wide_edit`); the audit of the two tables is
declared by `fupin.audit` (its `AppConfig.ready()`), as for parameters.
"""

from fupin.core.calendar.admin import (
    YearDetail,
    YearRow,
    calendar_year,
    calendar_year_save,
    calendar_year_set_status,
    calendar_years,
    can_edit,
    can_view,
    require_edit,
)
from fupin.core.calendar.bundled import on_post_migrate, seed
from fupin.core.calendar.days import (
    Due,
    add_working_days,
    due_date,
    is_provisional,
    is_working_day,
    provisional_note,
    working_days_between,
    year_status,
)
from fupin.core.calendar.hooks import on_change, remove_on_change
from fupin.core.calendar.store import (
    OFFICIAL,
    PROVISIONAL,
    TTL_SECONDS,
    UNKNOWN,
    invalidate,
    on_saved,
)
from fupin.core.calendar.text import Holiday, Workday, parse_holidays, parse_workdays

__all__ = [
    "OFFICIAL",
    "PROVISIONAL",
    "TTL_SECONDS",
    "UNKNOWN",
    "Due",
    "Holiday",
    "Workday",
    "YearDetail",
    "YearRow",
    "add_working_days",
    "calendar_year",
    "calendar_year_save",
    "calendar_year_set_status",
    "calendar_years",
    "can_edit",
    "can_view",
    "due_date",
    "invalidate",
    "is_provisional",
    "is_working_day",
    "on_change",
    "on_post_migrate",
    "on_saved",
    "parse_holidays",
    "parse_workdays",
    "provisional_note",
    "remove_on_change",
    "require_edit",
    "seed",
    "working_days_between",
    "year_status",
]
