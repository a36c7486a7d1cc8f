"""Administration of the calendar: the years as stored, entering a year's holidays and
adjusted working days, confirming a year as official, and who may do it.

The calendar serves the whole deployment, like a code list or a parameter's national value:
editing it belongs to the system administrator role (wherever its grant sits); whoever holds
`param.view` may look (the access kernel's `Perm.PARAM_VIEW` / `PARAM_EDIT`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from fupin.core.access import Actor, Perm, can_edit_system_wide, require_system_wide_edit
from fupin.core.calendar import hooks
from fupin.core.calendar.store import (
    HOLIDAY,
    MANUAL,
    OFFICIAL,
    PROVISIONAL,
    UNKNOWN,
    WORKDAY,
    current,
    invalidate,
)
from fupin.core.calendar.text import (
    Holiday,
    Workday,
    format_holidays,
    format_workdays,
    holiday_ranges,
    iso,
    weekday_name,
)
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.versioning import stale

if TYPE_CHECKING:  # the models load lazily: this package is importable before the apps
    from fupin.core.models import CalendarYear

VIEW_PERM = Perm.PARAM_VIEW
EDIT_PERM = Perm.PARAM_EDIT
YEAR_MIN, YEAR_MAX = 2000, 2099
NAME_MAX = 40
BASIS_MAX = 200
SPAN_MAX = 31  # days in one holiday: the longest notice so far gave 10


def can_view(actor: Actor) -> bool:
    return actor.has_perm(VIEW_PERM)


def can_edit(actor: Actor) -> bool:
    return can_edit_system_wide(actor)


def _require_view(actor: Actor) -> None:
    if not can_view(actor):
        raise PermissionDenied()


def require_edit(actor: Actor) -> None:
    require_system_wide_edit(actor, "工作日历全系统通用，只有系统管理员可以修改")


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise NotFound("没有该年度的工作日历")


# --- reads -----------------------------------------------------------------------------


@dataclass
class YearRow:
    year: int
    status: str  # official / provisional / unknown
    status_label: str
    row: CalendarYear | None
    holidays: int = 0  # holiday dates (weekends inside a holiday included)
    workdays: int = 0  # adjusted working days
    working_days: int = 0  # in the whole year


def _status_label(status: str) -> str:
    from fupin.core.models import CalendarYear

    return "未录入" if status == UNKNOWN else str(CalendarYear.Status(status).label)


def _working_days_in(year: int) -> int:
    snapshot = current()
    return snapshot.working_days_through(date(year, 12, 31)) - snapshot.working_days_through(
        date(year - 1, 12, 31)
    )


def calendar_years(actor: Actor) -> list[YearRow]:
    """Every stored year, newest first, and — when it is not stored yet — next year, the
    one whose notice the administrator is waiting for."""
    from fupin.core.models import CalendarYear

    _require_view(actor)
    rows = list(
        CalendarYear.objects.select_related("updated_by", "created_by")
        .annotate(
            n_holidays=Count("days", filter=Q(days__kind=HOLIDAY)),
            n_workdays=Count("days", filter=Q(days__kind=WORKDAY)),
        )
        .order_by("-year")
    )
    result = [
        YearRow(
            year=r.year,
            status=r.status,
            status_label=_status_label(r.status),
            row=r,
            holidays=r.n_holidays,  # type: ignore[attr-defined]
            workdays=r.n_workdays,  # type: ignore[attr-defined]
            working_days=_working_days_in(r.year),
        )
        for r in rows
    ]
    coming = timezone.localdate().year + 1
    if all(r.year != coming for r in result):
        result.insert(
            0,
            YearRow(
                coming, UNKNOWN, _status_label(UNKNOWN), None, working_days=_working_days_in(coming)
            ),
        )
    return result


@dataclass
class YearDetail:
    year: int
    status: str
    status_label: str
    row: CalendarYear | None
    holidays: list[Holiday]  # as ranges
    workdays: list[tuple[Workday, str]]  # with the weekday's name
    holidays_text: str
    workdays_text: str
    working_days: int


def calendar_year(actor: Actor, year: int) -> YearDetail:
    """One year as stored (an unknown year comes back empty, to be entered)."""
    from fupin.core.models import CalendarYear

    _require_view(actor)
    _check_year(year)
    row = CalendarYear.objects.select_related("updated_by", "created_by").filter(year=year).first()
    days = list(row.days.order_by("date").values_list("date", "kind", "name")) if row else []
    holidays = [(d, name) for d, kind, name in days if kind == HOLIDAY]
    workdays = [(d, name) for d, kind, name in days if kind == WORKDAY]
    status = row.status if row else UNKNOWN
    return YearDetail(
        year=year,
        status=status,
        status_label=_status_label(status),
        row=row,
        holidays=holiday_ranges(holidays),
        workdays=[(Workday(d, name), weekday_name(d)) for d, name in workdays],
        holidays_text=format_holidays(holidays),
        workdays_text=format_workdays(workdays),
        working_days=_working_days_in(year),
    )


# --- writes ----------------------------------------------------------------------------


def _where(kind: str, line: int | None, what: str) -> str:
    return f"{kind}第{line}行" if line else f"{kind}“{what}”"


def _check_days(
    year: int, holidays: Sequence[Holiday], workdays: Sequence[Workday]
) -> tuple[dict[date, tuple[str, str]], list[str], list[str]]:
    """The dates to store (date → (kind, name)), and the Chinese messages for holidays and
    for adjusted working days that are wrong."""
    days: dict[date, tuple[str, str]] = {}
    owner: dict[date, str] = {}  # date → which line put it there, for overlap messages
    h_errors: list[str] = []
    w_errors: list[str] = []
    for h in holidays:
        span = iso(h.start) if h.start == h.end else f"{iso(h.start)} 至 {iso(h.end)}"
        where = _where("放假安排", h.line, span)
        name = (h.name or "").strip()
        if not name:
            h_errors.append(f"{where}：请填写节日名称，如“国庆节”")
            continue
        if len(name) > NAME_MAX:
            h_errors.append(f"{where}：节日名称不能超过 {NAME_MAX} 个字")
            continue
        if h.end < h.start:
            h_errors.append(f"{where}：结束日期 {iso(h.end)} 早于开始日期 {iso(h.start)}")
            continue
        outside = [d for d in (h.start, h.end) if d.year != year]
        if outside:
            h_errors.append(
                f"{where}：{iso(outside[0])} 不在{year}年内；跨年的假期请把另一年的日期录入该年度"
            )
            continue
        if (h.end - h.start).days + 1 > SPAN_MAX:
            h_errors.append(f"{where}：一次放假不能超过 {SPAN_MAX} 天，请检查日期")
            continue
        clash = None
        day = h.start
        while day <= h.end:
            if day in days:
                clash = day
                break
            day += timedelta(days=1)
        if clash is not None:
            h_errors.append(f"{where}：{iso(clash)} 与{owner[clash]}重叠")
            continue
        day = h.start
        while day <= h.end:
            days[day] = (HOLIDAY, name)
            owner[day] = f"“{name}”（{span}）"
            day += timedelta(days=1)
    seen: set[date] = set()
    for w in workdays:
        where = _where("调休上班", w.line, iso(w.date))
        name = (w.name or "").strip()
        if len(name) > NAME_MAX:
            w_errors.append(f"{where}：节日名称不能超过 {NAME_MAX} 个字")
        elif w.date.year != year:
            w_errors.append(f"{where}：{iso(w.date)} 不在{year}年内")
        elif w.date.weekday() < 5:
            w_errors.append(
                f"{where}：{iso(w.date)} 是{weekday_name(w.date)}，本来就是工作日，"
                "调休上班日应是星期六或星期日"
            )
        elif w.date in seen:
            w_errors.append(f"{where}：{iso(w.date)} 重复录入")
        elif w.date in days:
            w_errors.append(
                f"{where}：{iso(w.date)} 已在放假安排{owner[w.date]}中，不能同时调休上班"
            )
        else:
            seen.add(w.date)
            days[w.date] = (WORKDAY, name)
    return days, h_errors, w_errors


def _locked(year: int, version: int | None) -> CalendarYear | None:
    from fupin.core.models import CalendarYear

    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    if row is None and version is not None:
        raise Conflict(f"{year}年的工作日历已不存在，请刷新后重试")
    if row is not None and version is None:
        raise Conflict(f"{year}年已有工作日历，请刷新页面后在原记录上修改")
    if row is not None and row.version != version:
        raise stale(CalendarYear, row.pk, subject=f"{year}年的工作日历")
    return row


@transaction.atomic
def calendar_year_save(
    *,
    actor: Actor,
    year: int,
    holidays: Sequence[Holiday],
    workdays: Sequence[Workday],
    basis: str = "",
    version: int | None,
) -> CalendarYear:
    """Enter (version None: a year not stored yet, which starts provisional) or replace a
    year's holidays and adjusted working days. Every problem is reported at once, in
    Chinese; a stale `version` raises Conflict. Only the dates that changed are written
    (the audit trail shows exactly those); the year's status is kept."""
    from fupin.core.models import CalendarDay, CalendarYear

    require_edit(actor)
    _check_year(year)
    basis = (basis or "").strip()
    days, h_errors, w_errors = _check_days(year, holidays, workdays)
    errors = {k: v for k, v in (("holidays", h_errors), ("workdays", w_errors)) if v}
    if len(basis) > BASIS_MAX:
        errors["basis"] = [f"依据不能超过 {BASIS_MAX} 个字"]
    if errors:
        first = next(iter(errors.values()))[0]
        count = sum(len(v) for v in errors.values())
        message = first if count == 1 else f"{first}（另有 {count - 1} 处问题）"
        raise ValidationFailed(message, errors=errors)
    row = _locked(year, version)
    if row is None:
        row = CalendarYear.objects.create(
            year=year,
            status=PROVISIONAL,
            source=MANUAL,
            basis=basis,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        stored: dict[date, tuple[int, str, str]] = {}
    else:
        stored = {
            d: (pk, kind, name)
            for pk, d, kind, name in row.days.values_list("pk", "date", "kind", "name")
        }
    gone = [pk for d, (pk, _, _) in stored.items() if d not in days]
    new = [
        CalendarDay(calendar_year=row, date=d, kind=kind, name=name)
        for d, (kind, name) in days.items()
        if d not in stored
    ]
    moved = [
        (pk, days[d])
        for d, (pk, kind, name) in stored.items()
        if d in days and days[d] != (kind, name)
    ]
    if gone:
        CalendarDay.objects.filter(pk__in=gone).delete()
    for pk, (kind, name) in moved:
        CalendarDay.objects.filter(pk=pk).update(kind=kind, name=name)
    if new:
        CalendarDay.objects.bulk_create(new)
    changed = bool(gone or new or moved)
    if version is not None and (changed or basis != row.basis):
        CalendarYear.objects.filter(pk=row.pk).update(
            basis=basis,
            source=MANUAL,
            updated_by_id=actor.user_id,
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
        row.refresh_from_db()
    if changed or version is None:
        invalidate()
        hooks.changed({year})
    return row


@transaction.atomic
def calendar_year_set_status(*, actor: Actor, year: int, status: str, version: int) -> CalendarYear:
    """Confirm a year as the officially published arrangement, or put it back to
    provisional; an official year needs its holidays entered first."""
    from fupin.core.models import CalendarYear

    require_edit(actor)
    _check_year(year)
    if status not in (OFFICIAL, PROVISIONAL):
        raise ValidationFailed("状态不正确", errors={"status": ["应为正式公布或暂定"]})
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    if row is None:
        raise NotFound(f"{year}年的工作日历尚未录入")
    if row.version != version:
        raise stale(CalendarYear, row.pk, subject=f"{year}年的工作日历")
    if row.status == status:
        return row
    if status == OFFICIAL and not row.days.filter(kind=HOLIDAY).exists():
        raise ValidationFailed(
            f"{year}年尚未录入放假安排，不能确认为正式公布",
            errors={"status": ["请先录入放假安排"]},
        )
    CalendarYear.objects.filter(pk=row.pk).update(
        status=status,
        updated_by_id=actor.user_id,
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    row.refresh_from_db()
    invalidate()
    hooks.changed({year})
    return row
