"""Spreadsheets the platform writes (CSV and .xlsx) never carry a live formula.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel, WPS and LibreOffice when the file is opened (OWASP "CSV injection"): a household head
named `=HYPERLINK(...)` would become a link that leaks the row. The one rule, applied by every
export through this module:

- **CSV**: such a *string* is written with a leading single quote (`'=HYPERLINK(...)`), which
  spreadsheet programs show as text; `unquote_cell` takes it off again when a CSV is imported,
  so an exported file imports back unchanged.
- **.xlsx**: `workbook(...)` opens an xlsxwriter workbook with `strings_to_formulas` and
  `strings_to_urls` off, so every Python `str` becomes a string cell (`write`/`write_row`
  never produce a `<f>` element); the text is stored as it is.

Numbers are not strings and stay numbers (a negative amount `-5` is written as -5).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The CSV form of a cell: a string that a spreadsheet would read as a formula gets a
    leading `'`; everything else (numbers included) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def unquote_cell(value: str) -> str:
    """The inverse of `safe_cell` for text read back from a CSV."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


class SafeCsvWriter:
    """`csv.writer` whose rows go through `safe_cell`."""

    def __init__(self, target: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(target, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target: Any, **kwargs: Any) -> SafeCsvWriter:
    """The CSV writer every export uses (the arguments of `csv.writer`)."""
    return SafeCsvWriter(target, **kwargs)


SAFE_XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


def workbook(target: Any, options: dict[str, Any] | None = None) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook in which strings are always string cells (see above)."""
    return xlsxwriter.Workbook(target, {**(options or {}), **SAFE_XLSX_OPTIONS})
