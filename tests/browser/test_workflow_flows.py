"""The acceptance of SPEC §3 in Chromium: a household goes through identification and later
exit entirely in the browser, with its notices visible on the public page; an objection from
the public sends the case back; an exit with an uninsured member is blocked until a township
reviewer records an override reason.

Notice periods are real (7 days): where the test has to let a period pass, it moves the
notice's dates into the past, as if the days had gone by.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fupin.core import idnumber
from fupin.testing import COUNTY, make_user

from .conftest import screenshot, seed_session_data, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(live_server: Any, settings: Any, tmp_path: Path) -> Any:
    """Officials of every acting level over the first village of the test county."""
    from fupin.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_session_data()
    village = Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()
    assert village is not None
    make_user("wf_village", ("village", village.code), real_name="王村主任")
    make_user("wf_secretary", ("first_secretary", village.code), real_name="李书记")
    make_user("wf_township", ("township", village.code[:9]), real_name="赵乡长")
    make_user("wf_county", ("poverty_office", COUNTY), real_name="刘主任")
    live_server.village = village
    return live_server


def let_notice_period_pass(case_id: int) -> None:
    """Move the case's running notice into the past, as if its 7 days had gone by."""
    from fupin.workflows.models import Notice

    today = dt.date.today()  # noqa: DTZ011
    Notice.objects.filter(entries__case_id=case_id, end_date__gte=today).update(
        start_date=today - dt.timedelta(days=8), end_date=today - dt.timedelta(days=2)
    )


def step(page: Any, name: str, comment: str = "") -> None:
    """Fill and submit one step form of the case page."""
    form = page.get_by_test_id(f"step-{name}")
    if comment:
        form.locator("textarea[name$=comment]").fill(comment)
    form.locator("button[type=submit]").click()


def public_notice_lines(browser: Any, base: str, region: str) -> str:
    """What an anonymous visitor reads on the public notice page of a region."""
    context = browser.new_context(locale="zh-CN")
    try:
        visitor = context.new_page()
        visitor.goto(f"{base}/public/notices/?region={region}")
        text = visitor.locator("body").inner_text()
        links = visitor.locator("a[href*='/public/notices/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href')).filter(h => /notices\\/\\d+\\/$/.test(h))"
        )
        for href in dict.fromkeys(links):
            visitor.goto(f"{base}{href}")
            text += visitor.locator("body").inner_text()
        return str(text)
    finally:
        context.close()


def test_identification_with_an_objection_then_exit_with_an_override(
    page: Any, browser: Any, people: Any
) -> None:
    from playwright.sync_api import expect

    from fupin.registry.models import Household, Income, Member
    from fupin.workflows.models import Case, Notice, Objection

    base, village = people.url, people.village
    head_id = idnumber.make(COUNTY, dt.date(1966, 5, 4), 21)

    # 1. 农户申请: the village committee enters the application with the family.
    switch_user(page, base, "wf_village")
    page.goto(f"{base}/cases/new/identification/")
    page.select_option("#id_village_code", village.code)
    page.fill("#id_reason", "户主患慢性病，家庭收入低于贫困标准，申请纳入建档立卡")
    page.select_option("#id_attribute", "general")
    page.select_option("#id_main_cause", "illness")
    family = [
        ("孙德胜", "head", head_id),
        ("周桂英", "spouse", idnumber.make(COUNTY, dt.date(1968, 2, 14), 22)),
    ]
    for i, (name, relation, number) in enumerate(family):
        if page.locator(f"#id_members-{i}-name").count() == 0:
            page.get_by_role("button", name="添加成员").click()
        page.fill(f"#id_members-{i}-name", name)
        page.fill(f"#id_members-{i}-id_number", number)
        page.select_option(f"#id_members-{i}-relation", relation)
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    case = Case.objects.get(pk=case_id)
    assert case.kind == "identification" and case.household is not None
    assert case.household.status == "applicant"

    # 2. 村民小组评议, 入户核实 (the first secretary), 村内第一次公示.
    step(page, "group_review", "村民小组评议通过，同意提名")
    switch_user(page, base, "wf_secretary")
    page.goto(f"{base}/cases/{case_id}/")
    step(page, "verify", "入户核实：住房、收入情况属实")
    step(page, "publish_village")
    expect(page.get_by_test_id("notices")).to_contain_text("村内公示")

    # The public sees the notice, masked, without logging in …
    seen = public_notice_lines(browser, base, village.code)
    assert "孙*胜" in seen and "孙德胜" not in seen and head_id not in seen

    # … and one visitor objects: the case goes back to verification.
    visitor_ctx = browser.new_context(locale="zh-CN")
    visitor = visitor_ctx.new_page()
    notice = Notice.objects.get(entries__case=case)
    visitor.goto(f"{base}/public/notices/?region={village.code}")
    visitor.locator(f"a[href$='/public/notices/{notice.pk}/']").first.click()
    visitor.fill("#o-content", "该户家中新建了两层楼房，收入情况与公示不符，请核实")
    visitor.get_by_test_id("objection-form").locator("button[type=submit]").click()
    expect(visitor.locator("body")).to_contain_text("已收到")
    screenshot(visitor, "workflow-public-objection-received")
    visitor_ctx.close()
    case.refresh_from_db()
    assert case.state == "reviewed"

    # 3. The village records the finding, verifies again and publishes again.
    page.goto(f"{base}/cases/{case_id}/")
    expect(page.get_by_test_id("steps")).to_contain_text("异议")
    objection = Objection.objects.get(case=case)
    resolve = page.get_by_test_id(f"resolve-{objection.pk}")
    resolve.locator("input[value='0']").check()
    resolve.locator("textarea").fill("经入户核实，楼房为其兄弟所建，该户情况属实，异议不成立")
    resolve.locator("button[type=submit]").click()
    step(page, "verify", "再次入户核实，情况属实")
    step(page, "publish_village")

    # 4. 乡镇审核: refused while the notice runs, allowed once the 7 days have passed.
    switch_user(page, base, "wf_township")
    page.goto(f"{base}/cases/{case_id}/")
    expect(page.get_by_test_id("failures-township_approve")).to_contain_text("公示期未满")
    let_notice_period_pass(case_id)
    page.goto(f"{base}/cases/{case_id}/")
    step(page, "township_approve")
    step(page, "publish_township")
    expect(page.get_by_test_id("notices")).to_contain_text("乡镇公示")
    assert "孙*胜" in public_notice_lines(browser, base, village.code[:9])

    # 5. 县审批, 县公告, 建档立卡.
    let_notice_period_pass(case_id)
    switch_user(page, base, "wf_county")
    page.goto(f"{base}/cases/{case_id}/")
    step(page, "county_approve")
    step(page, "publish_county")
    assert "孙*胜" in public_notice_lines(browser, base, COUNTY)
    let_notice_period_pass(case_id)
    page.goto(f"{base}/cases/{case_id}/")
    step(page, "register")
    expect(page.locator(".page-body")).to_contain_text("已建档立卡")
    screenshot(page, "workflow-identification-registered")
    assert case.household_id is not None
    household = Household.objects.get(pk=case.household_id)
    assert household.status == "poor" and household.identified_year == dt.date.today().year  # noqa: DTZ011

    # Years later the household's income is above the line, but the wife is not insured.
    Income.objects.create(
        household=household, county_code=COUNTY, year=dt.date.today().year,  # noqa: DTZ011
        size=2, wage=Decimal("18000"),
    )  # fmt: skip
    Household.objects.filter(pk=household.pk).update(housing_grade="B", water_safe=True)
    Member.objects.filter(household=household).update(insured_medical=True)
    Member.objects.filter(household=household, relation="spouse").update(insured_medical=False)

    # 6. 贫困户退出: proposal, 民主评议, the signed consent.
    switch_user(page, base, "wf_village")
    page.goto(f"{base}/cases/new/household_exit/?household={household.pk}")
    page.fill("#id_reason", "家庭收入稳定超过贫困标准，提出脱贫")
    page.get_by_role("button", name=re.compile("发起|提交")).click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    exit_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    form = page.get_by_test_id("step-deliberate")
    form.locator("input[name$=food_secure]").check()
    form.locator("input[name$=clothing_secure]").check()
    step(page, "deliberate", "民主评议同意脱贫")
    page.select_option("select[name$=kind]", "consent")
    page.set_input_files("input[name$=file]", files=[{
        "name": "农户签字确认书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed",
    }])  # fmt: skip
    page.get_by_role("button", name="上传材料").click()
    step(page, "consent")

    # 7. Blocked: a member is not medically insured.
    page.goto(f"{base}/cases/{exit_id}/")
    failures = page.get_by_test_id("failures-publish_village")
    expect(failures).to_contain_text("基本医疗")
    expect(page.get_by_test_id("step-publish_village").locator("button")).to_be_disabled()
    screenshot(page, "workflow-exit-blocked")

    # 8. The township reviewer records the override reason; the village can publish.
    switch_user(page, base, "wf_township")
    page.goto(f"{base}/cases/{exit_id}/")
    override = page.get_by_test_id("override-form")
    override.locator("textarea[name$=reason]").fill(
        "周桂英已于本月在乡镇办理参保登记，缴费凭证待系统同步，经核实同意继续办理"
    )
    override.locator("button[type=submit]").click()
    expect(page.locator(".page-body")).to_contain_text("放行")
    switch_user(page, base, "wf_village")
    page.goto(f"{base}/cases/{exit_id}/")
    step(page, "publish_village")
    assert "孙*胜" in public_notice_lines(browser, base, village.code)

    # 9. 乡镇审核, 县审定, 公告, 标注脱贫.
    let_notice_period_pass(exit_id)
    switch_user(page, base, "wf_township")
    page.goto(f"{base}/cases/{exit_id}/")
    step(page, "township_approve")
    switch_user(page, base, "wf_county")
    page.goto(f"{base}/cases/{exit_id}/")
    step(page, "county_approve")
    step(page, "publish_county")
    assert "孙*胜" in public_notice_lines(browser, base, COUNTY)
    let_notice_period_pass(exit_id)
    page.goto(f"{base}/cases/{exit_id}/")
    step(page, "mark_exited")
    expect(page.locator(".page-body")).to_contain_text("已脱贫")
    expect(page.get_by_test_id("timeline")).to_contain_text("登记未达标放行理由")
    screenshot(page, "workflow-exit-done")
    household.refresh_from_db()
    assert household.status == "exited" and household.exit_year == dt.date.today().year  # noqa: DTZ011
    exit_case = Case.objects.get(pk=exit_id)
    assert exit_case.override_reason and exit_case.override_failures
