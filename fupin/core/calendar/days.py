"""Working-day arithmetic over the official calendar (the package's notes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fupin.core.calendar.store import OFFICIAL, PROVISIONAL, UNKNOWN, current

ONE_DAY = timedelta(days=1)


def is_working_day(d: date) -> bool:
    """An adjusted working day (调休上班) works, a holiday rests, otherwise Mon–Fri works."""
    return current().is_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after `d` (n > 0) or before it (n < 0); `d` itself is never
    counted, whether or not it is a working day. n == 0 returns `d` unchanged.

    e.g. add_working_days(date(2025, 9, 30), 5) == date(2025, 10, 14): Oct 1–8 are the
    National Day and Mid-Autumn holidays, Sat Oct 11 is worked.
    """
    if n == 0:
        return d
    snapshot = current()
    step = ONE_DAY if n > 0 else -ONE_DAY
    left = abs(n)
    day = d
    while left:
        day += step
        if snapshot.is_working_day(day):
            left -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """The working days after `a` up to and including `b` when a <= b (so 0 for a == b, and
    1 from a Friday to the next Monday); when b < a, minus the count from b to a. Put
    otherwise: W(b) − W(a), W(x) being the number of working days on or before x.

    For n >= 0, working_days_between(d, add_working_days(d, n)) == n; for n < 0 it holds
    when `d` is a working day (a deadline counted back from a due date).
    """
    snapshot = current()
    return snapshot.working_days_through(b) - snapshot.working_days_through(a)


def year_status(year: int) -> str:
    """ "official" (the State Council's arrangement), "provisional" (entered but not yet
    confirmed) or "unknown" (not entered: weekends only)."""
    return current().status(year)


def is_provisional(d: date) -> bool:
    """Whether the answer for `d` may still change: its year is not official."""
    return current().status(d.year) != OFFICIAL


def provisional_note(year: int) -> str:
    """What to show beside a date of `year` that is not official ("" when it is)."""
    status = current().status(year)
    if status == UNKNOWN:
        return f"{year}年节假日安排尚未公布，按周末计算"
    if status == PROVISIONAL:
        return f"{year}年节假日安排为暂定，尚未确认为正式公布的安排"
    return ""


@dataclass(frozen=True)
class Due:
    """A date computed over the calendar, with whether it may still move."""

    date: date
    provisional: bool
    notes: tuple[str, ...]  # one per non-official year the computation crossed


def due_date(start: date, n: int) -> Due:
    """add_working_days(start, n), flagged provisional when any year between `start` and
    the result is not official — the form deadlines should be shown in."""
    end = add_working_days(start, n)
    first, last = sorted((start.year, end.year))
    notes = tuple(note for y in range(first, last + 1) if (note := provisional_note(y)))
    return Due(date=end, provisional=bool(notes), notes=notes)
