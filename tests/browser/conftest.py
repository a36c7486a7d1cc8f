"""Playwright on Debian's Chromium against pytest-django's live server.

Live-server tests are transactional: pytest-django flushes every table after each of them,
including the regions the session loaded and the roles a migration seeded. `browser_data`
puts back what the browser tests need before each test, and the module-scoped
`restore_session_data` puts back the session's regions and roles after the module, so the
tests that run later still find them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}


def seed_roles() -> None:
    from django.apps import apps

    from fupin.accounts.models import PermissionSeed
    from fupin.accounts.services import roles_sync

    migration = importlib.import_module("fupin.accounts.migrations.0003_default_roles")
    migration.seed_roles(apps, None)
    # The roles as a fresh migrate leaves them: that migration's list, then every permission
    # the apps declare (HEALTH_VIEW …) granted to its default roles by roles_sync.
    PermissionSeed.objects.all().delete()
    roles_sync()


def seed_session_data() -> None:
    from fupin.regions.loader import load_regions
    from fupin.testing import TEST_REGION_PREFIXES

    load_regions(TEST_REGION_PREFIXES)
    seed_roles()


@pytest.fixture(scope="module", autouse=True)
def restore_session_data(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        seed_session_data()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_data(live_server: Any) -> Any:
    """The two test counties, the roles and the demo county's data and logins."""
    from fupin.demo.services import load_demo

    seed_session_data()
    load_demo(province=None, households=0)  # the registry demo is not needed here
    return live_server


# The cookies of each user's first login in the running test, per browser context.
_logins: dict[Any, dict[str, list[Any]]] = {}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The first page of a live server may take longer while parallel workers keep the CPUs
    # busy (it timed out at 15 s with three workers on a loaded 2-CPU machine).
    page.set_default_navigation_timeout(60_000)
    yield page
    _logins.pop(context, None)
    context.close()


def switch_user(page: Any, base: str, username: str, password: str = "Passw0rd!x") -> None:  # noqa: S107
    """Act as `username` from now on. The first time in a test through the login page; after
    that with the cookies of that login again (its session is still valid: the tables are only
    flushed after the test), which saves a login and a home page per switch."""
    from .test_browser_shell import log_in

    page.context.clear_cookies()
    saved = _logins.setdefault(page.context, {})
    if username in saved:
        page.context.add_cookies(saved[username])
        return
    log_in(page, base, username, password)
    page.wait_for_url(lambda url: "/login/" not in url)
    saved[username] = page.context.cookies()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
