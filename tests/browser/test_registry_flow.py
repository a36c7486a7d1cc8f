"""The registry flow in Chromium: create a household with members through the form, import a
file with one bad row, download and read the error report, fix the file, import again."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from fupin.core import idnumber
from fupin.registry.tests.test_import import families, write_csv
from fupin.testing import COUNTY, make_user

from .conftest import screenshot, seed_session_data
from .test_browser_shell import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Passw0rd!x"


@pytest.fixture
def office(live_server: Any, settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_session_data()
    make_user("flow_office", ("poverty_office", COUNTY), real_name="刘主任")
    return live_server


def first_village() -> Any:
    from fupin.regions.models import Region

    return Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()


def test_create_household_then_import_with_a_bad_row(
    page: Any, office: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from fupin.registry.models import Household

    base = office.url
    village = first_village()
    log_in(page, base, "flow_office", PASSWORD)

    # 1. A household with two members through the form.
    page.goto(f"{base}/registry/households/new/")
    page.fill("#id_household_no", f"{village.code}90001")
    page.select_option("#id_village_code", village.code)
    page.select_option("#id_attribute", "general")
    page.fill("#id_identified_year", "2014")
    page.select_option("#id_main_cause", "illness")
    people = [
        ("赵大勇", "head", idnumber.make(COUNTY, dt.date(1968, 4, 2), 11)),
        ("钱小芳", "spouse", idnumber.make(COUNTY, dt.date(1970, 8, 9), 12)),
    ]
    for i, (name, relation, number) in enumerate(people):
        if page.locator(f"#id_members-{i}-name").count() == 0:
            page.get_by_role("button", name="添加成员").click()
        page.fill(f"#id_members-{i}-name", name)
        page.fill(f"#id_members-{i}-id_number", number)
        page.select_option(f"#id_members-{i}-relation", relation)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/registry/households/\d+/$"))
    expect(page.locator(".page-body")).to_contain_text("赵大勇")
    screenshot(page, "registry-household-detail")
    assert Household.objects.filter(household_no=f"{village.code}90001").exists()

    # 2. Import a file whose third household has an ID number with a wrong check digit.
    data = families(village.code, 5)
    good_id = data[2][1][1]["身份证号"]
    bad_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    data[2][1][1]["身份证号"] = bad_id
    bad_file = write_csv(tmp_path / "户信息_有错误.csv", data)
    page.goto(f"{base}/registry/io/imports/")
    page.set_input_files("#import-file", str(bad_file))
    page.select_option("#import-mode", "insert")
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("job-status")).to_have_text("导入失败（数据未改变）", timeout=60_000)
    screenshot(page, "registry-import-failed")
    assert Household.objects.count() == 1  # nothing of the file was written

    # 3. Download the error report and read it.
    with page.expect_download() as download_info:
        page.get_by_test_id("error-report").click()
    report = Path(download_info.value.path()).read_bytes()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(report)).get_sheet_by_index(0).to_python()
    id_errors = [r for r in rows[1:] if r[2] == "身份证号"]
    assert len(id_errors) == 1
    assert "校验位" in str(id_errors[0][5])
    assert bad_id not in str(id_errors[0][3])  # the report masks ID numbers

    # 4. Fix the row and import again.
    data[2][1][1]["身份证号"] = good_id
    fixed = write_csv(tmp_path / "户信息_已更正.csv", data)
    page.goto(f"{base}/registry/io/imports/")
    page.set_input_files("#import-file", str(fixed))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("job-status")).to_have_text("导入成功", timeout=60_000)
    assert Household.objects.count() == 6

    # 5. The list shows the imported households.
    page.goto(f"{base}/registry/households/?region={village.code}")
    expect(page.locator(".page-body")).to_contain_text(data[4][0]["户编号"])
    screenshot(page, "registry-household-list")
