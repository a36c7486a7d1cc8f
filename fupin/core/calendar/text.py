"""The calendar of a year as the administrator types it: one line per holiday (a date or a
date range, then the festival's name) and one line per adjusted working day (a date, then
optionally the festival it is worked for), the way the State Council's notice reads:

    2027-02-06 至 2027-02-13 春节
    2027-02-14 春节

Dates may be written 2027-02-06, 2027/2/6, 2027.2.6 or 2027年2月6日; a range with 至, 到,
~, — or -. Parsing errors carry the line number; the service checks the meaning (year,
weekday, overlaps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
RANGE_SEP = r"\s*(?:至|到|~|～|—|–|－|-)\s*"
HOLIDAY_LINE = re.compile(rf"^{DATE}(?:{RANGE_SEP}{DATE})?(?:\s*[,，、:：]?\s*(.*))?$")
WORKDAY_LINE = re.compile(rf"^{DATE}(?:\s*[,，、:：]?\s*(.*))?$")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Holiday:
    start: date
    end: date
    name: str
    line: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Workday:
    date: date
    name: str = ""
    line: int | None = None


def weekday_name(d: date) -> str:
    return f"星期{WEEKDAYS[d.weekday()]}"


def iso(d: date) -> str:
    return d.isoformat()


def _date(parts: tuple[str | None, ...]) -> date | None:
    try:
        return date(*(int(p or "") for p in parts))
    except ValueError:
        return None


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (n, line.strip())
        for n, line in enumerate((text or "").splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    ]


def parse_holidays(text: str) -> tuple[list[Holiday], list[str]]:
    """The holiday lines, and a Chinese message for each line that cannot be read."""
    holidays: list[Holiday] = []
    errors: list[str] = []
    for n, line in _lines(text):
        match = HOLIDAY_LINE.match(line)
        start = _date(match.groups()[0:3]) if match else None
        if match is None or start is None:
            errors.append(f"放假安排第{n}行“{line}”无法识别：应为“2027-10-01 至 2027-10-07 国庆节”")
            continue
        end = _date(match.groups()[3:6]) if match.group(4) else start
        if end is None:
            errors.append(f"放假安排第{n}行“{line}”的结束日期不是有效日期")
            continue
        holidays.append(Holiday(start, end, (match.group(7) or "").strip(), n))
    return holidays, errors


def parse_workdays(text: str) -> tuple[list[Workday], list[str]]:
    """The adjusted working-day lines, and a Chinese message for each unreadable line."""
    workdays: list[Workday] = []
    errors: list[str] = []
    for n, line in _lines(text):
        match = WORKDAY_LINE.match(line)
        day = _date(match.groups()[0:3]) if match else None
        if match is None or day is None:
            errors.append(
                f"调休上班第{n}行“{line}”无法识别：应为一个日期，可加节日名称，如“2027-09-26 国庆节”"
            )
            continue
        workdays.append(Workday(day, (match.group(4) or "").strip(), n))
    return workdays, errors


def holiday_ranges(days: list[tuple[date, str]]) -> list[Holiday]:
    """Consecutive holiday dates of the same name as ranges (dates sorted)."""
    ranges: list[Holiday] = []
    for day, name in sorted(days):
        last = ranges[-1] if ranges else None
        if last and last.name == name and last.end + timedelta(days=1) == day:
            ranges[-1] = Holiday(last.start, day, name)
        else:
            ranges.append(Holiday(day, day, name))
    return ranges


def format_holidays(days: list[tuple[date, str]]) -> str:
    lines = []
    for h in holiday_ranges(days):
        span = iso(h.start) if h.start == h.end else f"{iso(h.start)} 至 {iso(h.end)}"
        lines.append(f"{span} {h.name}".rstrip())
    return "\n".join(lines)


def format_workdays(days: list[tuple[date, str]]) -> str:
    return "\n".join(f"{iso(d)} {name}".rstrip() for d, name in sorted(days))
