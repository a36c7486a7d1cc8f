"""The working-day calendar: the seeded official data, the arithmetic and its conventions,
unknown years, the seed's idempotence, the edit services (validation, lock, audit), the
cache, and the recompute hook."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chinese_calendar import constants
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.core import calendar
from fupin.core.access import Perm
from fupin.core.calendar import Holiday, Workday, admin, store
from fupin.core.calendar.bundled import NAMES
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.core.models import CalendarDay, CalendarYear
from fupin.testing import make_user

pytestmark = pytest.mark.django_db

D = date


@pytest.fixture
def root(db: Any) -> Any:
    return load_actor(make_user("root", ("sysadmin", "51")))


@pytest.fixture
def heard() -> Any:
    """A test-only recompute callable registered for the test."""
    calls: list[set[int]] = []

    def recompute(years: set[int]) -> None:
        calls.append(years)

    calendar.on_change(recompute)
    yield calls
    calendar.remove_on_change(recompute)


def national_day_2027() -> list[Holiday]:
    return [Holiday(D(2027, 10, 1), D(2027, 10, 7), "国庆节")]


# --- the seeded official data ----------------------------------------------------------


def test_acceptance_national_day_2025():
    # The package's data, as the State Council published it: Oct 1–8 off (Oct 6 is the
    # Mid-Autumn Festival), Sat Sep 28 and Sat Oct 11 worked.
    off = sorted(d for d in constants.holidays if D(2025, 9, 20) <= d <= D(2025, 10, 20))
    assert off == [D(2025, 10, d) for d in range(1, 9)]
    worked = sorted(d for d in constants.workdays if d.year == 2025 and d.month in (9, 10))
    assert worked == [D(2025, 9, 28), D(2025, 10, 11)]
    assert calendar.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert calendar.is_working_day(D(2025, 9, 28)) and calendar.is_working_day(D(2025, 10, 11))
    assert not calendar.is_working_day(D(2025, 10, 8))  # a Wednesday off
    assert calendar.working_days_between(D(2025, 9, 30), D(2025, 10, 14)) == 5


def test_seeded_years_are_official_with_chinese_names():
    years = CalendarYear.objects.order_by("year")
    assert [y.year for y in years] == list(range(2004, 2027))
    assert {y.status for y in years} == {"official"}
    assert {y.source for y in years} == {"package"}
    assert years[0].basis.startswith("chinese-calendar ")
    assert CalendarDay.objects.count() == len(constants.holidays) + len(constants.workdays)
    assert CalendarDay.objects.get(date=D(2025, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=D(2025, 10, 6)).name == "中秋节"
    assert CalendarDay.objects.get(date=D(2025, 1, 26)).kind == "workday"
    assert CalendarDay.objects.get(date=D(2025, 1, 26)).name == "春节"
    assert set(CalendarDay.objects.values_list("name", flat=True)) <= set(NAMES.values())


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2024, 2, 9), 1, D(2024, 2, 18)),  # 2024 春节 Feb 10–17, Sun Feb 18 worked
        (D(2024, 2, 2), 1, D(2024, 2, 4)),  # … and Sun Feb 4
        (D(2023, 1, 20), 1, D(2023, 1, 28)),  # 2023 春节 Jan 21–27, Sat 28 and Sun 29 worked
        (D(2023, 1, 20), 2, D(2023, 1, 29)),
        (D(2023, 1, 20), 3, D(2023, 1, 30)),
        (D(2020, 1, 23), 1, D(2020, 2, 3)),  # 2020 春节 extended to Feb 2
        (D(2020, 1, 17), 1, D(2020, 1, 19)),  # Sun Jan 19 worked
        (D(2018, 12, 28), 1, D(2018, 12, 29)),  # Sat Dec 29 worked for 元旦 2019
        (D(2018, 12, 28), 2, D(2019, 1, 2)),  # Dec 30 – Jan 1 off, across the year
        (D(2015, 9, 2), 1, D(2015, 9, 6)),  # 抗战胜利70周年: Sep 3–4 off, Sun Sep 6 worked
        (D(2004, 1, 16), 1, D(2004, 1, 17)),  # the first year: Sat Jan 17 worked
    ],
)
def test_spring_festival_and_adjusted_days_across_years(start, n, due):
    assert calendar.add_working_days(start, n) == due
    assert calendar.working_days_between(start, due) == n
    assert calendar.is_working_day(due)


def test_zero_and_negative_n():
    holiday = D(2025, 10, 3)
    assert calendar.add_working_days(holiday, 0) == holiday  # n == 0: the date itself
    assert calendar.add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert calendar.add_working_days(D(2025, 10, 13), -1) == D(2025, 10, 11)  # Sat worked
    assert calendar.add_working_days(D(2025, 10, 5), -1) == D(2025, 9, 30)  # from a holiday
    assert calendar.working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == -1
    assert calendar.working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0  # all off
    assert calendar.working_days_between(D(2025, 10, 10), D(2025, 10, 13)) == 2  # Sat, Mon
    # A Friday to the next Monday is one working day; Monday itself counts, Friday not.
    assert calendar.working_days_between(D(2025, 11, 7), D(2025, 11, 10)) == 1


def test_2027_is_provisional_weekends_only_and_never_fails():
    assert calendar.year_status(2027) == "unknown"
    assert calendar.year_status(2026) == "official"
    assert calendar.is_provisional(D(2027, 10, 1)) and not calendar.is_provisional(D(2026, 10, 1))
    assert calendar.is_working_day(D(2027, 10, 1))  # a Friday: nothing known about it
    assert not calendar.is_working_day(D(2027, 10, 2))
    assert calendar.add_working_days(D(2026, 12, 31), 3) == D(2027, 1, 5)
    assert calendar.working_days_between(D(2027, 1, 1), D(2027, 12, 31)) == 260
    assert calendar.provisional_note(2027) == "2027年节假日安排尚未公布，按周末计算"
    assert calendar.provisional_note(2026) == ""
    due = calendar.due_date(D(2026, 12, 30), 10)
    assert due.date == D(2027, 1, 13)
    assert due.provisional and due.notes == ("2027年节假日安排尚未公布，按周末计算",)
    inside = calendar.due_date(D(2025, 9, 30), 5)
    assert inside == calendar.Due(D(2025, 10, 14), False, ())
    assert calendar.add_working_days(D(1999, 12, 31), 1) == D(2000, 1, 3)  # before the data


def test_reads_are_cached_no_query_per_day(django_assert_num_queries):
    store.invalidate()
    with django_assert_num_queries(2):  # the years and their days, once
        calendar.is_working_day(D(2025, 1, 1))
    with django_assert_num_queries(0):
        assert calendar.working_days_between(D(2004, 1, 1), D(2026, 12, 31)) > 5000
        calendar.add_working_days(D(2004, 1, 1), 2000)
        for offset in range(400):
            calendar.is_working_day(D(2025, 1, 1) + timedelta(days=offset))
        calendar.year_status(2027)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=D(2003, 6, 1), max_value=D(2028, 6, 30)),
    n=st.integers(min_value=-400, max_value=400),
)
def test_property_add_then_count(db, start, n):
    end = calendar.add_working_days(start, n)
    if n > 0:
        assert end > start and calendar.is_working_day(end)
        assert calendar.working_days_between(start, end) == n
        # …and it is the first such day: the day before is still short of n.
        assert calendar.working_days_between(start, end - timedelta(days=1)) == n - 1
    elif n == 0:
        assert end == start
    else:
        assert end < start and calendar.is_working_day(end)
        assert calendar.working_days_between(end, start) == -calendar.working_days_between(
            start, end
        )
        if calendar.is_working_day(start):
            assert calendar.working_days_between(start, end) == n


def test_snapshot_matches_a_walk_over_the_days():
    snapshot = store.current()
    count = 0
    day = D(2003, 12, 31)
    while day < D(2027, 2, 1):
        day += timedelta(days=1)
        count += snapshot.is_working_day(day)
        assert (
            snapshot.working_days_through(day) - snapshot.working_days_through(D(2003, 12, 31))
            == count
        ), day


# --- the seed --------------------------------------------------------------------------


def test_seed_is_idempotent():
    before = CalendarDay.objects.count()
    assert calendar.seed() == []
    assert CalendarDay.objects.count() == before


def test_seed_inserts_a_missing_year_but_never_overwrites_an_edited_one(root):
    CalendarYear.objects.filter(year=2025).delete()
    assert calendar.year_status(2025) == "unknown"
    assert calendar.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 7)  # weekends only
    assert calendar.seed() == [2025]
    assert calendar.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)
    row = CalendarYear.objects.get(year=2024)
    calendar.calendar_year_save(
        actor=root,
        year=2024,
        holidays=[Holiday(D(2024, 10, 1), D(2024, 10, 7), "国庆节")],
        workdays=[],
        basis="测试",
        version=row.version,
    )
    assert calendar.seed() == []
    assert CalendarDay.objects.filter(calendar_year__year=2024).count() == 7
    row.refresh_from_db()
    assert row.source == "manual" and row.version == 2 and row.updated_by_id == root.user_id


# --- entering a year -------------------------------------------------------------------


def test_enter_2027_then_confirm_official(root, django_capture_on_commit_callbacks):
    assert calendar.can_edit(root)
    with django_capture_on_commit_callbacks(execute=True):
        row = calendar.calendar_year_save(
            actor=root,
            year=2027,
            holidays=[*national_day_2027(), Holiday(D(2027, 1, 1), D(2027, 1, 1), "元旦")],
            workdays=[Workday(D(2027, 9, 26), "国庆节"), Workday(D(2027, 10, 9), "国庆节")],
            basis="国办发明电〔2026〕1号",
            version=None,
        )
    assert (row.status, row.source, row.version) == ("provisional", "manual", 1)
    assert row.created_by_id == root.user_id
    assert calendar.year_status(2027) == "provisional"
    assert calendar.provisional_note(2027).startswith("2027年节假日安排为暂定")
    assert calendar.add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert calendar.add_working_days(D(2027, 9, 30), 2) == D(2027, 10, 9)  # Sat Oct 9 worked
    assert calendar.is_working_day(D(2027, 10, 9))
    row = calendar.calendar_year_set_status(
        actor=root, year=2027, status="official", version=row.version
    )
    assert row.status == "official" and row.version == 2
    assert calendar.year_status(2027) == "official"
    assert not calendar.due_date(D(2027, 9, 30), 2).provisional
    pks = [
        str(pk) for pk in CalendarDay.objects.filter(calendar_year=row).values_list("pk", flat=True)
    ]
    events = AuditEvent.objects.filter(table_name="core_calendarday", object_pk__in=pks)
    assert events.filter(action="I").count() == 10
    year_events = AuditEvent.objects.filter(table_name="core_calendaryear", object_pk=str(row.pk))
    assert sorted(year_events.values_list("action", flat=True)) == ["I", "U"]


def test_validation_messages_are_chinese_and_all_reported(root):
    with pytest.raises(ValidationFailed) as info:
        calendar.calendar_year_save(
            actor=root,
            year=2027,
            holidays=[
                Holiday(D(2027, 10, 1), D(2027, 10, 7), "国庆节", line=1),
                Holiday(D(2027, 10, 6), D(2027, 10, 6), "中秋节", line=2),
                Holiday(D(2026, 12, 31), D(2027, 1, 1), "元旦", line=3),
                Holiday(D(2027, 5, 1), D(2027, 5, 3), "", line=4),
                Holiday(D(2027, 5, 5), D(2027, 5, 1), "劳动节", line=5),
            ],
            workdays=[
                Workday(D(2027, 9, 27), "国庆节", line=1),  # a Monday
                Workday(D(2027, 10, 2), "国庆节", line=2),  # inside the holiday
                Workday(D(2028, 1, 8), "", line=3),
                Workday(D(2027, 9, 26), "", line=4),
                Workday(D(2027, 9, 26), "", line=5),
            ],
            version=None,
        )
    errors = info.value.errors
    assert errors["holidays"] == [
        "放假安排第2行：2027-10-06 与“国庆节”（2027-10-01 至 2027-10-07）重叠",
        "放假安排第3行：2026-12-31 不在2027年内；跨年的假期请把另一年的日期录入该年度",
        "放假安排第4行：请填写节日名称，如“国庆节”",
        "放假安排第5行：结束日期 2027-05-01 早于开始日期 2027-05-05",
    ]
    assert errors["workdays"] == [
        "调休上班第1行：2027-09-27 是星期一，本来就是工作日，调休上班日应是星期六或星期日",
        "调休上班第2行：2027-10-02 已在放假安排“国庆节”（2027-10-01 至 2027-10-07）中，不能同时调休上班",
        "调休上班第3行：2028-01-08 不在2027年内",
        "调休上班第5行：2027-09-26 重复录入",
    ]
    assert info.value.message == errors["holidays"][0] + "（另有 7 处问题）"
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_parsing_the_text_lines():
    holidays, errors = calendar.parse_holidays(
        "2027-10-01 至 2027-10-07 国庆节\n\n# 注释\n2027年1月1日 元旦\n2027/2/6~2027/2/13，春节\n"
        "2027-04-05 - 2027-04-05 清明节\n2027-13-01 元旦\n国庆节"
    )
    assert holidays == [
        Holiday(D(2027, 10, 1), D(2027, 10, 7), "国庆节", 1),
        Holiday(D(2027, 1, 1), D(2027, 1, 1), "元旦", 4),
        Holiday(D(2027, 2, 6), D(2027, 2, 13), "春节", 5),
        Holiday(D(2027, 4, 5), D(2027, 4, 5), "清明节", 6),
    ]
    assert errors == [
        "放假安排第7行“2027-13-01 元旦”无法识别：应为“2027-10-01 至 2027-10-07 国庆节”",
        "放假安排第8行“国庆节”无法识别：应为“2027-10-01 至 2027-10-07 国庆节”",
    ]
    workdays, errors = calendar.parse_workdays("2027-09-26 国庆节\n2027-10-09\n明天")
    assert workdays == [Workday(D(2027, 9, 26), "国庆节", 1), Workday(D(2027, 10, 9), "", 2)]
    assert errors and errors[0].startswith("调休上班第3行“明天”无法识别")


def test_stale_version_is_a_conflict(root):
    row = CalendarYear.objects.get(year=2026)
    days = calendar.calendar_year(root, 2026)
    kept = list(days.holidays)
    calendar.calendar_year_save(
        actor=root, year=2026, holidays=kept[1:], workdays=[], version=row.version
    )
    with pytest.raises(Conflict, match=r"2026年的工作日历已被 \S+ 于 \d\d:\d\d 修改，请刷新后重试"):
        calendar.calendar_year_save(
            actor=root, year=2026, holidays=kept, workdays=[], version=row.version
        )
    with pytest.raises(Conflict, match="已有工作日历"):
        calendar.calendar_year_save(actor=root, year=2026, holidays=kept, workdays=[], version=None)
    with pytest.raises(Conflict):
        calendar.calendar_year_set_status(
            actor=root, year=2026, status="provisional", version=row.version
        )


def test_unchanged_save_writes_nothing(root, heard, django_capture_on_commit_callbacks):
    row = CalendarYear.objects.get(year=2025)
    detail = calendar.calendar_year(root, 2025)
    workdays = [w for w, _ in detail.workdays]
    with django_capture_on_commit_callbacks(execute=True):
        saved = calendar.calendar_year_save(
            actor=root,
            year=2025,
            holidays=detail.holidays,
            workdays=workdays,
            basis=row.basis,
            version=row.version,
        )
    assert saved.version == row.version and heard == []


def test_only_the_system_administrator_edits(county):
    region_admin = load_actor(make_user("county_admin", ("region_admin", county.code)))
    viewer = load_actor(make_user("viewer", ("viewer", county.code)))
    assert calendar.can_view(region_admin) and calendar.can_view(viewer)
    assert not calendar.can_edit(region_admin) and not calendar.can_edit(viewer)
    kwargs: dict[str, Any] = {
        "year": 2027,
        "holidays": national_day_2027(),
        "workdays": [],
        "version": None,
    }
    with pytest.raises(PermissionDenied, match="只有系统管理员可以修改"):
        calendar.calendar_year_save(actor=region_admin, **kwargs)
    with pytest.raises(PermissionDenied):
        calendar.calendar_year_save(actor=viewer, **kwargs)


def test_permission_codes_match_the_accounts_app():
    assert admin.VIEW_PERM == Perm.PARAM_VIEW and admin.EDIT_PERM == Perm.PARAM_EDIT


def test_official_needs_holidays(root):
    row = calendar.calendar_year_save(actor=root, year=2027, holidays=[], workdays=[], version=None)
    with pytest.raises(ValidationFailed, match="2027年尚未录入放假安排，不能确认为正式公布"):
        calendar.calendar_year_set_status(
            actor=root, year=2027, status="official", version=row.version
        )


# --- the cache and the hook ------------------------------------------------------------


def test_a_rolled_back_write_leaves_nothing_in_the_cache(root):
    assert calendar.is_working_day(D(2027, 10, 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        calendar.calendar_year_save(
            actor=root, year=2027, holidays=national_day_2027(), workdays=[], version=None
        )
        assert not calendar.is_working_day(D(2027, 10, 1))  # the writer sees its own rows
        raise RuntimeError
    assert calendar.is_working_day(D(2027, 10, 1))
    assert calendar.year_status(2027) == "unknown"


def test_recompute_hook_is_called_on_commit_only(root, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        calendar.calendar_year_save(
            actor=root, year=2027, holidays=national_day_2027(), workdays=[], version=None
        )
        assert heard == []  # not before the commit
    for callback in callbacks:
        callback()
    assert heard == [{2027}]
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            row = CalendarYear.objects.get(year=2027)
            calendar.calendar_year_set_status(
                actor=root, year=2027, status="official", version=row.version
            )
            raise RuntimeError
        with pytest.raises(ValidationFailed):
            calendar.calendar_year_save(
                actor=root,
                year=2028,
                holidays=[Holiday(D(2027, 1, 1), D(2027, 1, 1), "元旦")],
                workdays=[],
                version=None,
            )
    assert heard == []  # a rollback and a refused save: nothing to recompute
    with django_capture_on_commit_callbacks(execute=True):
        CalendarYear.objects.filter(year=2025).delete()
        assert calendar.seed() == [2025]
    assert heard == [{2025}]


def test_a_failing_listener_does_not_stop_the_others(root, django_capture_on_commit_callbacks):
    calls: list[set[int]] = []

    def broken(years: set[int]) -> None:
        raise RuntimeError("boom")

    def works(years: set[int]) -> None:
        calls.append(years)

    calendar.on_change(broken)
    calendar.on_change(works)
    calendar.on_change(works)  # registering twice is registering once
    try:
        with django_capture_on_commit_callbacks(execute=True):
            calendar.calendar_year_save(
                actor=root, year=2027, holidays=national_day_2027(), workdays=[], version=None
            )
    finally:
        calendar.remove_on_change(broken)
        calendar.remove_on_change(works)
    assert calls == [{2027}]
