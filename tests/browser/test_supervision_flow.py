"""The acceptance of SPEC §7 in Chromium: a dropout child → alert → 督办 PDF → rectification
with a photo → verified → closed (销号), entirely in the browser.

The village committee records on the member page that a 10-year-old girl has dropped out of
school; the on-change path raises the alert at once; the township issues the 督办 notice and
downloads it as PDF; the village uploads a photo of the girl back at school and submits; the
township verifies and the alert is closed.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from fupin.testing import COUNTY, make_user

from .conftest import screenshot, seed_session_data, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(width: int = 24, height: int = 16) -> bytes:
    """A small valid PNG (a green block): the photo of the rectification."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x20\xa0\x40" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def people(live_server: Any, settings: Any, tmp_path: Path) -> Any:
    """The village committee, the township and the county office over the first village of
    the test county, and a poor household with a 10-year-old girl at primary school."""
    from fupin.accounts.selectors import load_actor
    from fupin.regions.models import Region
    from fupin.registry import services
    from fupin.registry.tests.factories import family, household_data, member

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_session_data()
    village = Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()
    assert village is not None
    make_user("sv_village", ("village", village.code), real_name="王村主任")
    make_user("sv_township", ("township", village.code[:9]), real_name="赵乡长")
    county = make_user("sv_county", ("poverty_office", COUNTY), real_name="刘主任")
    today = dt.date.today()  # noqa: DTZ011
    girl = member(
        COUNTY,
        "张小红",
        "daughter",
        dt.date(today.year - 10, 3, 1),
        male=False,
        schooling="primary",
    )
    household = services.household_create(
        actor=load_actor(county),
        village_code=village.code,
        data=household_data(f"{village.code}0001", helper_name="陈帮扶"),
        members=[*family(COUNTY), girl],
    ).household
    live_server.village = village
    live_server.household = household
    live_server.girl = household.members.get(name="张小红")
    return live_server


def test_dropout_alert_to_notice_to_rectification_to_closed(page: Any, people: Any) -> None:
    from playwright.sync_api import expect

    from fupin.supervision.models import Alert

    base, girl = people.url, people.girl
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. The village committee records that the girl has dropped out of school.
    switch_user(page, base, "sv_village")
    page.goto(f"{base}/registry/members/{girl.pk}/edit/")
    page.select_option("#id_schooling", "dropout")
    page.fill("#id_reason", "入户核实：已辍学在家")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("成员 张小红 已保存")).to_be_visible()

    # 2. The alert is there at once, in the village's own list.
    page.goto(f"{base}/supervision/alerts/")
    alert = Alert.objects.get(rule_code="R102", subject_id=girl.pk, is_open=True)
    row = page.get_by_test_id("alerts").locator("tr", has_text=alert.case.case_no)
    expect(row).to_contain_text("义务教育阶段适龄儿童失学辍学")
    expect(row).to_contain_text("已分派待督办")
    screenshot(page, "supervision-01-alert-list")

    # 3. The township issues the 督办 notice with a deadline and downloads its PDF.
    switch_user(page, base, "sv_township")
    page.goto(f"{base}/supervision/alerts/")
    page.get_by_role("link", name=alert.case.case_no).click()
    expect(page.get_by_test_id("evidence")).to_contain_text("辍学")
    form = page.get_by_test_id("step-issue_notice")
    deadline = dt.date.today() + dt.timedelta(days=10)  # noqa: DTZ011
    form.locator("input[name='issue_notice-deadline']").fill(deadline.isoformat())
    form.locator("textarea[name='issue_notice-content']").fill(
        "你村张小红（10岁）辍学在家，请立即入户劝返复学。"
    )
    form.get_by_role("button", name="下发督办通知").click()
    expect(page.get_by_test_id("alert-state")).to_have_text("已督办待整改")
    notices = page.get_by_test_id("notices")
    expect(notices).to_contain_text("扶督〔")
    with page.expect_download() as download_info:
        notices.get_by_test_id("notice-pdf").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = download.path()
    assert pdf_path is not None and Path(pdf_path).read_bytes().startswith(b"%PDF")
    screenshot(page, "supervision-02-noticed")

    # 4. The village writes the rectification with a photo and submits it.
    switch_user(page, base, "sv_village")
    page.goto(f"{base}/supervision/alerts/{alert.pk}/")
    expect(page.get_by_test_id("failures-submit")).to_contain_text("请先填写整改情况")
    expect(page.get_by_test_id("step-submit").get_by_role("button")).to_be_disabled()
    rectify = page.get_by_test_id("rectify-form")
    rectify.locator("textarea[name='content']").fill("已入户劝返，张小红已于本周回校就读。")
    rectify.locator("input[name='attachments']").set_input_files(
        files=[{"name": "back-to-school.png", "mimeType": "image/png", "buffer": png()}]
    )
    rectify.get_by_role("button", name="保存整改情况").click()
    expect(page.get_by_test_id("thumb")).to_be_visible()
    expect(page.get_by_test_id("failures-submit")).to_have_count(0)
    page.get_by_test_id("step-submit").get_by_role("button", name="提交整改情况").click()
    expect(page.get_by_test_id("alert-state")).to_have_text("已提交整改")
    screenshot(page, "supervision-03-submitted")

    # 5. The township verifies: the alert is closed (销号).
    switch_user(page, base, "sv_township")
    page.goto(f"{base}/supervision/alerts/{alert.pk}/")
    verify = page.get_by_test_id("step-verify")
    verify.locator("textarea[name='verify-comment']").fill("经入户核实，已复学")
    verify.get_by_role("button", name="核验通过，销号").click()
    expect(page.get_by_test_id("alert-state")).to_have_text("已销号")
    expect(page.get_by_test_id("rectifications")).to_contain_text("核验通过")
    expect(page.get_by_test_id("timeline")).to_contain_text("赵乡长")
    screenshot(page, "supervision-04-closed")
    alert.refresh_from_db()
    assert not alert.is_open and alert.case.state == "closed"

    # The statistics count it as closed; its bar drills down to the list.
    page.goto(f"{base}/supervision/dashboard/")
    expect(page.get_by_test_id("closed")).to_have_text("1")
    expect(page.locator("#rule-chart[data-rendered=true]")).to_have_count(1)
    screenshot(page, "supervision-05-dashboard")
    page.get_by_test_id("by-rule").get_by_role("link", name=re.compile("R102")).click()
    expect(page.get_by_test_id("alerts")).to_contain_text(alert.case.case_no)
    assert not errors, errors
