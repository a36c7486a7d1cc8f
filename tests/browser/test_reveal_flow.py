"""The audited reveal in Chromium (issue 12): the members tab shows masked IDs; 「查看」 opens
a box asking for a reason; the full number comes back by POST and an audit row records it.
Screenshots at 1440 px and 390 px go to var/screenshots (and SHOTS_DIR when set)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from fupin.core import idnumber
from fupin.testing import COUNTY, make_user

from .conftest import screenshot, seed_session_data
from .test_browser_shell import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Passw0rd!x"


@pytest.fixture
def household(live_server: Any) -> Any:
    from fupin.accounts.selectors import load_actor
    from fupin.regions.models import Region
    from fupin.registry import services

    seed_session_data()
    user = make_user("reveal_office", ("poverty_office", COUNTY), real_name="刘主任")
    village = Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()
    assert village is not None
    people: list[tuple[str, str, dt.date, int, dict[str, Any]]] = [
        ("赵大勇", "head", dt.date(1968, 4, 2), 11, {}),
        ("钱小芳", "spouse", dt.date(1970, 8, 9), 12, {"health": "chronic"}),
        ("赵小宝", "son", dt.date(2014, 3, 5), 13, {"health": "disabled", "disability_grade": 2}),
    ]
    return services.household_create(
        actor=load_actor(user),
        village_code=village.code,
        data={
            "household_no": f"{village.code}90002",
            "head_name": "",
            "attribute": "general",
            "identified_year": 2014,
            "main_cause": "illness",
            "declared_size": 0,
            "phone": "13812345678",
        },
        members=[
            {"name": n, "relation": r, "id_number": idnumber.make(COUNTY, b, s), **extra}
            for n, r, b, s, extra in people
        ],
    ).household


def _shot(page: Any, name: str) -> None:
    path = screenshot(page, name)
    target = os.environ.get("SHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_members_tab_reveal_asks_a_reason_and_is_recorded(
    page: Any, live_server: Any, household: Any, width: int, height: int
) -> None:
    from playwright.sync_api import expect

    from fupin.audit.models import AuditEvent
    from fupin.core import crypto

    page.set_viewport_size({"width": width, "height": height})
    base = live_server.url
    log_in(page, base, "reveal_office", PASSWORD)
    head = household.members.get(relation="head")
    full = crypto.decrypt(head.id_cipher)
    page.goto(f"{base}/registry/households/{household.pk}/?tab=members")
    cell = page.locator(f"#id-{head.pk}")
    expect(cell).to_contain_text(head.id_masked)
    expect(page.locator(".page-body")).not_to_contain_text(full)
    cell.locator("summary").click()
    form = cell.locator("form")
    expect(form).to_be_visible()
    form.locator("select").select_option("办理业务")
    form.locator("input[name=reason_text]").fill("医保报销核对")
    _shot(page, f"registry-reveal-dialog-{width}")
    form.get_by_role("button", name="确认查看").click()
    expect(page.locator(f"#id-{head.pk}")).to_contain_text(full)
    expect(page.locator(f"#id-{head.pk}")).to_contain_text("已留痕")
    _shot(page, f"registry-reveal-done-{width}")
    event = AuditEvent.objects.get(action="R", object_pk=str(head.pk))
    assert event.reason == "办理业务：医保报销核对"
