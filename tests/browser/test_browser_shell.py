"""Log in through the real login page in Chromium, see the shell, the home page and the
region tree, at desktop and phone width; screenshots land in var/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fupin.demo.services import DEMO_PASSWORD

from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


def test_county_office_logs_in_and_browses(page: Any, browser_data: Any) -> None:
    from playwright.sync_api import expect

    base = browser_data.url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(r.url) if r.status == 404 else None)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, base, "demo_office", DEMO_PASSWORD)
    expect(page).to_have_url(f"{base}/")
    crumb = page.get_by_test_id("jurisdiction")
    expect(crumb).to_contain_text("四川省")
    expect(crumb).to_contain_text("射洪市")
    expect(page.locator("#poor-chart[data-rendered=true] svg").first).to_be_visible()
    expect(page.get_by_test_id("breakdown")).to_contain_text("太乙镇")
    expect(page.get_by_test_id("poor-villages")).not_to_have_text("0")
    screenshot(page, "home-desktop")

    # The user menu offers password change and logout.
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("link", name="修改密码")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.keyboard.press("Escape")

    # The region tree (regions:tree) from the sidebar.
    page.get_by_test_id("sidebar").get_by_role("link", name="行政区划").click()
    expect(page).to_have_url(re.compile(r"/regions/$"))
    expect(page.locator(".page-body")).to_contain_text("射洪市")
    screenshot(page, "regions-desktop")

    # Phone width: the sidebar collapses behind its toggler.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/")
    toggler = page.locator(".navbar-vertical .navbar-toggler")
    expect(toggler).to_be_visible()
    menu_link = page.get_by_test_id("sidebar").get_by_role("link", name="行政区划")
    expect(menu_link).to_be_hidden()
    expect(page.get_by_test_id("jurisdiction")).to_contain_text("射洪市")
    # Nothing wider than the phone: no horizontal scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home-phone")
    toggler.click()
    expect(menu_link).to_be_visible()
    screenshot(page, "home-phone-menu")
    page.goto(f"{base}/regions/")
    expect(page.locator(".page-body")).to_contain_text("射洪市")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "regions-phone")
    assert not errors, errors


def test_grant_switcher_narrows_the_jurisdiction(page: Any, browser_data: Any) -> None:
    from playwright.sync_api import expect

    base = browser_data.url
    log_in(page, base, "demo_secretary", DEMO_PASSWORD)
    switcher = page.get_by_test_id("grant-switcher").locator("select")
    expect(switcher).to_be_visible()
    value = switcher.locator("option", has_text="帮扶责任人").get_attribute("value")
    switcher.select_option(value=value)
    expect(switcher.locator("option:checked")).to_contain_text("帮扶责任人")
    expect(page.get_by_test_id("jurisdiction")).to_contain_text("太乙镇")


def test_wrong_password_shows_chinese_error(page: Any, browser_data: Any) -> None:
    from playwright.sync_api import expect

    base = browser_data.url
    log_in(page, base, "demo_office", "Wrong2026password")
    expect(page).to_have_url(re.compile(r"/login/"))
    alert = page.locator(".alert-danger")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("密码")
    assert not re.search(r"[A-Za-z]{4,}", alert.inner_text()), alert.inner_text()
    screenshot(page, "login-error")
