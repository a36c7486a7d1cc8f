"""Issue 15 point 3: a formula cell of an uploaded workbook is reported as a formula (with its
cached value), not taken as its value; an Excel date stored as a plain number is read as the
date (1900 system with its leap-year bug, or 1904), in date columns only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from fupin.registry.io import xlsx_cells
from fupin.registry.io.layout import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    headers,
)
from fupin.registry.io.services import import_file
from fupin.registry.models import Household, Member

from .test_import import families, report_rows

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

Cell = Any  # a value, or ("formula", "=…", cached value), or ("serial", date)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(county: Any) -> Any:
    from fupin.accounts.selectors import load_actor
    from fupin.testing import make_user

    return load_actor(make_user("office", ("poverty_office", county.code)))


def workbook(
    path: Path,
    data: list[tuple[dict[str, Cell], list[dict[str, Cell]]]],
    *,
    date1904: bool = False,
) -> Path:
    book = xlsxwriter.Workbook(str(path), {"date_1904": date1904})
    epoch = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    for name, columns, rows in (
        (HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS, [hh for hh, _ in data]),
        (MEMBER_SHEET, MEMBER_COLUMNS, [m for _, ms in data for m in ms]),
    ):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headers(columns))
        for r, row in enumerate(rows, start=1):
            for c, h in enumerate(headers(columns)):
                value = row.get(h, "")
                if isinstance(value, tuple) and value[0] == "formula":
                    sheet.write_formula(r, c, value[1], None, value[2])
                elif isinstance(value, tuple) and value[0] == "serial":
                    sheet.write_number(r, c, (value[1] - epoch).days)  # a plain number
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_formula_cell_is_reported_as_a_formula(
    office: Any, county: Any, village: Any, tmp_path: Path
) -> None:
    data: list[Any] = families(village.code, 2)
    data[1][0]["工资性收入"] = ("formula", "=1500*2", 3000)
    path = workbook(tmp_path / "f.xlsx", data)
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "failed", job.message
    rows = report_rows(job)[1:]
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [("户信息", 3, "工资性收入", "C13")]
    assert rows[0][5] == "第3行“工资性收入”是公式（=1500*2，计算结果 3000），请粘贴为数值后再导入"
    assert Household.objects.count() == 0


def test_plain_number_in_a_date_column_is_the_date(
    office: Any, county: Any, village: Any, tmp_path: Path
) -> None:
    data: list[Any] = families(village.code, 2)
    for _, members in data:
        for person in members:
            person["出生日期"] = ("serial", dt.date.fromisoformat(person["出生日期"]))
    path = workbook(tmp_path / "d.xlsx", data)
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", (job.message, report_rows(job) if job.error_report else "")
    assert Member.objects.count() == 6


def test_1904_workbook_dates(office: Any, county: Any, village: Any, tmp_path: Path) -> None:
    data: list[Any] = families(village.code, 1)
    for person in data[0][1]:
        person["出生日期"] = ("serial", dt.date.fromisoformat(person["出生日期"]))
    path = workbook(tmp_path / "m.xlsx", data, date1904=True)
    assert xlsx_cells.uses_1904(str(path))
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", (job.message, report_rows(job) if job.error_report else "")


@pytest.mark.parametrize(
    ("serial", "date1904", "expected"),
    [
        (1, False, "1900-01-01"),
        (59, False, "1900-02-28"),
        (60, False, None),  # Excel's nonexistent 1900-02-29
        (61, False, "1900-03-01"),
        (45292, False, "2024-01-01"),
        (0, True, "1904-01-01"),
        (43830, True, "2024-01-01"),
        (45292.5, False, None),  # a time of day is not a birth date
        (19700301, False, None),  # YYYYMMDD typed as a number: parse_date reads it
        (-3, False, None),
    ],
)
def test_serial_dates(serial: float, date1904: bool, expected: str | None) -> None:
    assert xlsx_cells.serial_date(serial, date1904=date1904) == expected


def test_a_number_outside_date_columns_stays_a_number(
    office: Any, county: Any, village: Any, tmp_path: Path
) -> None:
    data: list[Any] = families(village.code, 1)
    data[0][0]["识别年度"] = 2014  # a number, in an integer column: not a date
    path = workbook(tmp_path / "n.xlsx", data)
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", job.message
    assert Household.objects.get().identified_year == 2014


def test_a_part_with_a_doctype_is_not_parsed(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<workbookPr date1904="1"/></workbook>',
        )
    assert xlsx_cells.uses_1904(str(path)) is False
    assert xlsx_cells.formulas(str(path), "户信息") == {}


def test_workbook_with_header_rows_only_has_no_data_rows(
    office: Any, county: Any, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "h.xlsx", [])
    job = import_file(actor=office, path=str(path), mode="upsert", region_code=county.code)
    assert job.status == "failed" and job.message == "文件中没有数据行"
    assert [r[4] for r in report_rows(job)[1:]] == ["T05"]
