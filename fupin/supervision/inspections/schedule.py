"""An inspection plan's schedule: its periods by frequency, the dates due, and the targets' visits
against them."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from fupin.regions.models import Region
from fupin.supervision.inspections.common import Frequency
from fupin.supervision.inspections.models import InspectionPlan, InspectionVisit


@dataclass
class Period:
    """One due visit of the schedule: the visit is due from `start` and done by `end`."""

    start: dt.date
    end: dt.date
    visits: list[InspectionVisit] = field(default_factory=list)
    state: str = ""  # done / missed / due / upcoming, set by `plan_schedule`

    @property
    def done(self) -> bool:
        return bool(self.visits)

    def state_on(self, today: dt.date) -> str:
        if self.visits:
            return "done"
        if self.end < today:
            return "missed"
        if self.start <= today:
            return "due"
        return "upcoming"


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def schedule_periods(frequency: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar periods of the frequency clipped to [start, end]: half months are the 1st–15th
    and the 16th–month end, months are calendar months, quarters calendar quarters."""
    if end < start:
        return []
    if frequency == Frequency.ONCE:
        return [(start, end)]
    out: list[tuple[dt.date, dt.date]] = []
    cursor = start
    while cursor <= end:
        if frequency == Frequency.HALF_MONTH:
            p_end = cursor.replace(day=15) if cursor.day <= 15 else _month_end(cursor)
        elif frequency == Frequency.MONTH:
            p_end = _month_end(cursor)
        else:  # quarter
            last_month = ((cursor.month - 1) // 3) * 3 + 3
            p_end = _month_end(cursor.replace(month=last_month, day=1))
        p_end = min(p_end, end)
        out.append((cursor, p_end))
        cursor = p_end + dt.timedelta(days=1)
    return out


def schedule_dates(plan: InspectionPlan) -> list[dt.date]:
    """The dates from which each scheduled visit is due (e.g. every half month: the start,
    then each 1st and 16th up to the end date)."""
    return [start for start, _ in schedule_periods(plan.frequency, plan.start_date, plan.end_date)]


@dataclass
class TargetSchedule:
    region: Region
    periods: list[Period]

    @property
    def done(self) -> int:
        return sum(1 for p in self.periods if p.done)


def plan_schedule(
    plan: InspectionPlan, visits: Sequence[InspectionVisit], today: dt.date | None = None
) -> list[TargetSchedule]:
    """Per target region, the scheduled periods and the visits (to the target or a place
    inside it) that fell in each."""
    today = today or timezone.localdate()
    rows = []
    for target in sorted(plan.targets.all(), key=lambda r: r.code):
        periods = [
            Period(s, e)
            for s, e in schedule_periods(plan.frequency, plan.start_date, plan.end_date)
        ]
        for visit in visits:
            if not visit.region_code.startswith(target.code):
                continue
            for period in periods:
                if period.start <= visit.visited_on <= period.end:
                    period.visits.append(visit)
                    break
        for period in periods:
            period.state = period.state_on(today)
        rows.append(TargetSchedule(region=target, periods=periods))
    return rows
