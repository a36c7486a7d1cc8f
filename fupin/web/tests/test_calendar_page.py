"""The working-day calendar pages (/system/calendar/): who sees them, who edits, the
Chinese messages, the optimistic lock."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fupin.audit.models import AuditEvent
from fupin.core import calendar
from fupin.core.models import CalendarDay, CalendarYear
from fupin.testing import client_for, make_user

pytestmark = pytest.mark.django_db

URL = "/system/calendar/"
YEAR_URL = "/system/calendar/2027/"
SAVE_URL = "/system/calendar/2027/save/"
STATUS_URL = "/system/calendar/2027/status/"

HOLIDAYS_2027 = "2027-01-01 元旦\n2027-10-01 至 2027-10-07 国庆节"
WORKDAYS_2027 = "2027-09-26 国庆节\n2027-10-09 国庆节"


@pytest.fixture
def root_user(db: Any) -> Any:
    """A system administrator in the province (which contains the test counties)."""
    return make_user("root", ("sysadmin", "51"))


@pytest.fixture
def clerk(village: Any) -> Any:
    """A village data clerk: no parameter permission at all."""
    return make_user("clerk", ("village", village.code))


def entry(**data: Any) -> dict[str, Any]:
    return {"holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, "version": "", **data}


def test_urls_and_nav(root_user):
    assert reverse("web:calendar") == URL
    assert reverse("web:calendar_year", args=[2027]) == YEAR_URL
    assert reverse("web:calendar_year_save", args=[2027]) == SAVE_URL
    assert reverse("web:calendar_year_status", args=[2027]) == STATUS_URL
    html = client_for(root_user).get("/").content.decode()
    assert "工作日历" in html and URL in html


def test_system_admin_sees_the_years_and_the_edit_form(root_user, django_assert_max_num_queries):
    client = client_for(root_user)
    calendar.invalidate()
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="year-2025"' in html and 'data-testid="year-2004"' in html
    assert "正式公布" in html and "随系统导入" in html and "chinese-calendar" in html
    assert 'name="year"' in html and 'data-testid="read-only-note"' not in html
    page = client.get("/system/calendar/2025/").content.decode()
    assert "国庆节" in page and "10月1日 至 10月5日" in page and "中秋节" in page
    assert "9月28日" in page and "星期日" in page
    assert "2025-10-07 至 2025-10-08 国庆节" in page  # the textarea, ready to edit
    assert "改回暂定" in page and 'action="/system/calendar/2025/save/"' in page


def test_next_year_is_listed_unknown_and_opens_empty(root_user):
    client = client_for(root_user)
    html = client.get(URL).content.decode()
    coming = timezone.localdate().year + 1
    if coming > 2026:
        assert f'data-testid="year-{coming}"' in html and "未录入" in html
    response = client.get(f"{URL}?year=2027")
    assert response.status_code == 302 and response["Location"] == YEAR_URL
    page = client.get(YEAR_URL).content.decode()
    assert "2027年节假日安排尚未公布，按周末计算" in page
    assert "录入2027年节假日安排" in page and "确认为正式公布</button>" not in page
    assert client.get(f"{URL}?year=12").status_code == 422
    assert client.get("/system/calendar/1800/").status_code == 404


def test_enter_a_year_then_confirm_it_official(root_user):
    client = client_for(root_user)
    response = client.post(SAVE_URL, entry(basis="国办发明电〔2026〕7号", reason="通知已发布"))
    assert response.status_code == 302 and response["Location"] == YEAR_URL
    row = CalendarYear.objects.get(year=2027)
    assert (row.status, row.source, row.version, row.created_by_id) == (
        "provisional",
        "manual",
        1,
        root_user.pk,
    )
    assert row.basis == "国办发明电〔2026〕7号"
    assert CalendarDay.objects.filter(calendar_year=row).count() == 10
    assert calendar.add_working_days(date(2027, 9, 30), 2) == date(2027, 10, 9)
    page = client.get(YEAR_URL).content.decode()
    assert "2027年工作日历已保存" in page and "暂定" in page
    assert "2027年节假日安排为暂定" in page
    event = AuditEvent.objects.get(table_name="core_calendaryear", object_pk=str(row.pk))
    assert event.reason == "通知已发布"
    response = client.post(STATUS_URL, {"status": "official", "version": row.version})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "official" and row.version == 2
    page = client.get(YEAR_URL).content.decode()
    assert "已设为“正式公布”" in page and 'data-testid="provisional-note"' not in page
    assert calendar.year_status(2027) == "official"


def test_viewer_and_county_admin_may_look_but_not_edit(admin_personas):
    for user in (admin_personas.read_only, admin_personas.in_region):
        client = client_for(user)
        response = client.get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="read-only-note"' in html and 'data-testid="year-2025"' in html
        page = client.get("/system/calendar/2025/").content.decode()
        assert (
            "国庆节" in page and "<textarea" not in page and "确认为正式公布</button>" not in page
        )
    response = client_for(admin_personas.read_only).post(SAVE_URL, entry())
    assert response.status_code == 403
    response = client_for(admin_personas.in_region).post(SAVE_URL, entry())
    assert response.status_code == 403 and "只有系统管理员可以修改" in response.content.decode()
    row = CalendarYear.objects.get(year=2025)
    for user in (admin_personas.read_only, admin_personas.in_region):
        data = {"status": "provisional", "version": row.version}
        assert client_for(user).post("/system/calendar/2025/status/", data).status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert CalendarYear.objects.get(year=2025).status == "official"


def test_user_without_the_permission_is_refused(clerk):
    client = client_for(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(YEAR_URL).status_code == 403
    assert client.post(SAVE_URL, entry()).status_code == 403
    assert client.post(STATUS_URL, {"status": "official", "version": "1"}).status_code == 403
    html = client.get("/").content.decode()
    assert URL not in html


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"holidays": "2027-10-01 至 2027-10-07 国庆节\n2027-10-06 中秋节"},
            "放假安排第2行：2027-10-06 与“国庆节”（2027-10-01 至 2027-10-07）重叠",
        ),
        (
            {"holidays": "2026-12-31 至 2027-01-01 元旦"},
            "放假安排第1行：2026-12-31 不在2027年内；跨年的假期请把另一年的日期录入该年度",
        ),
        (
            {"workdays": "2027-09-27 国庆节"},
            "调休上班第1行：2027-09-27 是星期一，本来就是工作日，调休上班日应是星期六或星期日",
        ),
        ({"holidays": "国庆节放七天"}, "放假安排第1行“国庆节放七天”无法识别"),
        ({"holidays": "2027-10-01"}, "放假安排第1行：请填写节日名称"),
        ({"workdays": "2027-10-02"}, "已在放假安排“国庆节”（2027-10-01 至 2027-10-07）中"),
        ({"version": "x"}, "版本号不正确，请刷新页面后重试"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_keeps_the_text(root_user, data, message):
    response = client_for(root_user).post(SAVE_URL, entry(**data))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    submitted = entry(**data)
    assert submitted["holidays"].split("\n")[0] in html  # the textarea keeps what was typed
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_official_needs_holidays_first(root_user):
    client = client_for(root_user)
    assert client.post(SAVE_URL, entry(holidays="", workdays="")).status_code == 302
    row = CalendarYear.objects.get(year=2027)
    response = client.post(STATUS_URL, {"status": "official", "version": row.version})
    assert response.status_code == 422
    assert "2027年尚未录入放假安排，不能确认为正式公布" in response.content.decode()


def test_stale_version_is_a_conflict(root_user):
    client = client_for(root_user)
    row = CalendarYear.objects.get(year=2026)
    detail = calendar.calendar_year(calendar_actor(root_user), 2026)
    url = "/system/calendar/2026/save/"
    edited = {"holidays": detail.holidays_text, "workdays": "", "version": row.version}
    assert client.post(url, edited).status_code == 302  # the adjusted working days removed
    again = {**edited, "workdays": detail.workdays_text}  # the version this page saw
    response = client.post(url, again)
    assert response.status_code == 409
    html = response.content.decode()
    assert f"2026年的工作日历已被 {root_user} 于 " in html
    assert detail.workdays_text.split("\n")[0] in html  # what they typed is not lost
    assert not CalendarDay.objects.filter(calendar_year__year=2026, kind="workday").exists()
    stale = {"status": "provisional", "version": row.version}
    response = client.post("/system/calendar/2026/status/", stale)
    assert response.status_code == 409
    # Entering a year someone else has entered meanwhile is a conflict too.
    assert client.post(SAVE_URL, entry()).status_code == 302
    response = client.post(SAVE_URL, entry())
    assert response.status_code == 409 and "2027年已有工作日历" in response.content.decode()


def calendar_actor(user: Any) -> Any:
    from fupin.accounts.selectors import load_actor

    return load_actor(user)
