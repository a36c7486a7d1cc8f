"""What python-calamine does not say about an .xlsx: which cells hold a formula, and whether
the workbook counts dates from 1904; and Excel's date serial numbers.

calamine gives each cell's cached value only, so a formula cell (`=B2*12`) would import as
whatever it last computed. The sheet's XML is read once more with a streaming parser
(zipfile + iterparse, bounded memory: only the formula cells are kept) and the importer
reports each formula (parse.C_FORMULA) instead of taking its value. An .xls (BIFF) file is
not XML: formulas there cannot be told from values by this reader.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import iterparse as _iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
SHARED = "（共享公式）"

# Plausible date serials: 1 = 1900-01-01 … 99999 = 2173-10-14. Larger numbers are not
# dates typed as numbers (19700301 is read as YYYYMMDD by parse.parse_date).
SERIAL_MAX = 100_000
EPOCH_1900 = dt.date(1899, 12, 31)
EPOCH_1904 = dt.date(1904, 1, 1)


class _NoDoctype:
    """A part of the uploaded file, read through: an OOXML part never has a DOCTYPE, so one
    (the way to entity-expansion and external-entity attacks) stops the reading. ElementTree
    does not fetch external entities and expat >= 2.4 limits amplification: this is the third
    fence."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        if b"<!DOCTYPE" in self.tail + data or b"<!ENTITY" in self.tail + data:
            raise ValueError("DOCTYPE in a spreadsheet part")
        self.tail = data[-16:]
        return data


def iterparse(fh: IO[bytes]) -> Iterator[tuple[str, Element]]:
    source: Any = _NoDoctype(fh)
    return _iterparse(source)  # noqa: S314 - see _NoDoctype


def serial_date(value: float, *, date1904: bool = False) -> str | None:
    """The ISO date of an Excel serial number, or None if it is not one. In the 1900 system
    Excel counts the nonexistent 1900-02-29 as serial 60 (Lotus 1-2-3's leap-year bug): 60
    is no date, and serials after it are one day less than their count."""
    if value != int(value) or not 0 <= value < SERIAL_MAX:
        return None
    n = int(value)
    if date1904:
        return (EPOCH_1904 + dt.timedelta(days=n)).isoformat()
    if n == 0 or n == 60:
        return None
    return (EPOCH_1900 + dt.timedelta(days=n if n < 60 else n - 1)).isoformat()


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    rels = {}
    with book.open("xl/_rels/workbook.xml.rels") as fh:
        for _, el in iterparse(fh):
            if el.tag == f"{PKG_REL}Relationship":
                target = el.get("Target", "")
                rels[el.get("Id")] = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                )
    paths = {}
    with book.open("xl/workbook.xml") as fh:
        for _, el in iterparse(fh):
            if el.tag == f"{MAIN}sheet":
                paths[el.get("name", "")] = rels.get(el.get(f"{REL}id"), "")
    return paths


def uses_1904(path: str) -> bool:
    """Whether an .xlsx counts its dates from 1904 (old Mac workbooks)."""
    try:
        with zipfile.ZipFile(path) as book, book.open("xl/workbook.xml") as fh:
            for _, el in iterparse(fh):
                if el.tag == f"{MAIN}workbookPr":
                    return el.get("date1904", "0").lower() in ("1", "true")
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile):
        return False
    return False


def formulas(path: str, sheet: str) -> dict[tuple[int, int], str]:
    """(row number from 1, column index from 0) → formula text (`=B2*12`) of every formula
    cell of the sheet; empty for a file that is not an .xlsx."""
    out: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(path) as book:
            target = _sheet_paths(book).get(sheet)
            if not target:
                return out
            with book.open(target) as fh:
                for _, el in iterparse(fh):
                    if el.tag != f"{MAIN}c":
                        if el.tag == f"{MAIN}row":
                            el.clear()  # keep memory bounded: rows are done with
                        continue
                    f = el.find(f"{MAIN}f")
                    if f is not None:
                        m = CELL_REF.match(el.get("r", ""))
                        if m:
                            text = f.text or ""
                            out[(int(m.group(2)), _column(m.group(1)))] = (
                                "=" + text if text else SHARED
                            )
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile):
        return out
    return out
