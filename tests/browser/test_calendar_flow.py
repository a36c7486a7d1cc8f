"""The system administrator enters the next year's official holidays on 工作日历 (the State
Council publishes them each autumn; no package has them yet) and confirms them official."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.demo.services import DEMO_PASSWORD

from .conftest import PHONE, screenshot, switch_user

pytestmark = pytest.mark.browser

YEAR = 2027


def test_sysadmin_enters_a_year_and_confirms_it(page: Any, browser_data: Any) -> None:
    from playwright.sync_api import expect

    from fupin.core import calendar

    base = browser_data.url
    switch_user(page, base, "demo_sysadmin", DEMO_PASSWORD)
    page.goto(f"{base}/system/calendar/")
    expect(page.get_by_role("link", name="工作日历")).to_be_visible()  # the menu entry
    screenshot(page, "calendar-years-desktop")

    page.goto(f"{base}/system/calendar/{YEAR}/")
    page.fill("#f-holidays", f"{YEAR}-10-01 至 {YEAR}-10-07 国庆节\n{YEAR}-13-01 元旦")
    page.fill("#f-workdays", f"{YEAR}-09-26 国庆节")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("放假安排第2行")  # the bad line, named in Chinese
    page.fill("#f-holidays", f"{YEAR}-10-01 至 {YEAR}-10-07 国庆节")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="确认为正式公布").click()
    expect(page.locator("body")).to_contain_text("正式")
    screenshot(page, "calendar-year-desktop")

    page.set_viewport_size(PHONE)
    page.goto(f"{base}/system/calendar/{YEAR}/")
    screenshot(page, "calendar-year-phone")

    assert calendar.year_status(YEAR) == "official"
    # 30 Sep 2027 is a Thursday; with 1–7 October entered as the holiday the working days
    # after it are Fri 8, Mon 11, Tue 12, Wed 13 and Thu 14 October.
    assert calendar.add_working_days(dt.date(YEAR, 9, 30), 5) == dt.date(YEAR, 10, 14)
