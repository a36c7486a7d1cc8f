"""Streaming readers of registry files: CSV (flat layout) and Excel (two sheets).

Rows come out one at a time as lists of stripped strings, so memory stays bounded whatever
the file size (calamine keeps the sheet's cells on the Rust side; Python objects exist only
for the current row). Headers are checked against layout.py before any data row is read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import marshal
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin.core.errors import ValidationFailed
from fupin.core.exports import unquote_cell

from . import marks, xlsx_cells
from .layout import (
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    Kind,
)
from .layout import headers as layout_headers

CSV_SHEET = "CSV"
# What a CSV record that cannot be read becomes in the error report: one message wherever
# the file is parsed (in the job's process for a small file, on parse processes for a big one).
UNREADABLE_CODE = "C12"
UNREADABLE_RECORD = "此行无法按 CSV 读取（{why}），请检查该行的引号和分隔符"
BAD_CHARACTERS = (
    "含有无法识别的字符（文件编码应为 UTF-8 或 GBK/GB18030），"
    "请检查该单元格，或用 Excel 另存为“CSV UTF-8”后重新导入"
)
# Bytes the file's encoding cannot decode are kept as lone surrogates (errors=
# "surrogateescape"), so reading never stops at them: the row that holds them is reported.
DECODE_ERRORS = "surrogateescape"
BROKEN = re.compile("[\udc80-\udcff]+")
EXCEL_SUFFIXES = (".xlsx", ".xls")
SUFFIXES = (".csv", *EXCEL_SUFFIXES)
BLOCK = 1 << 20


class HeaderError(ValidationFailed):
    """The file cannot be imported as a whole (the header row does not match the layout, the
    file has no data rows, an export is incomplete): one report line with `code`."""

    def __init__(self, sheet: str, message: str, code: str = "T01"):
        super().__init__(message)
        self.sheet = sheet
        self.code = code


NO_DATA_CODE = "T05"
NO_DATA = "文件中没有数据行"


@dataclass
class FileFacts:
    sha256: str
    encoding: str  # for CSV; "" for Excel
    rows_total: int  # data rows (approximate for CSV with quoted line breaks)


def suffix(name: str) -> str:
    return Path(name).suffix.lower()


def scan(path: str) -> FileFacts:
    """One pass over the bytes: digest, CSV encoding and row count.

    The encoding is UTF-8 (utf-8-sig) when every byte decodes as UTF-8. Otherwise both UTF-8
    and GB18030 are counted from the first block that is not valid UTF-8, and the one with
    fewer undecodable bytes wins (UTF-8 on a tie): a GBK file fails as UTF-8 at once, on its
    Chinese header, while a UTF-8 file with one broken byte stays UTF-8 and that byte's row
    is reported, rather than the whole file being read as GB18030 gibberish."""
    digest = hashlib.sha256()
    is_csv = suffix(path) == ".csv"
    utf8 = codecs.getincrementaldecoder("utf-8")()
    counting: dict[str, Any] = {}  # encoding → incremental decoder, once UTF-8 failed
    undecodable = {"utf-8": 0, "gb18030": 0}
    lines = 0
    last = b""
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
            if is_csv:
                lines += block.count(b"\n")
                last = block[-1:]
                if not counting:
                    try:
                        utf8.decode(block)
                        continue
                    except UnicodeDecodeError:
                        counting = {
                            name: codecs.getincrementaldecoder(name)(DECODE_ERRORS)
                            for name in undecodable
                        }
                for name, decoder in counting.items():
                    undecodable[name] += len(BROKEN.findall(decoder.decode(block)))
    if not is_csv:  # rows are counted when each sheet is opened (loading a sheet is costly)
        return FileFacts(digest.hexdigest(), "", 0)
    if last and last != b"\n":
        lines += 1
    # (A file that is UTF-8 up to a sequence cut short at its very end stays UTF-8.)
    for name, decoder in counting.items():
        undecodable[name] += len(BROKEN.findall(decoder.decode(b"", final=True)))
    encoding = "utf-8-sig" if undecodable["utf-8"] <= undecodable["gb18030"] else "gb18030"
    return FileFacts(digest.hexdigest(), encoding, max(lines - 1, 0))


def check_headers(sheet: str, got: list[str], expected: list[str]) -> None:
    got = [h.strip() for h in got]
    while got and not got[-1]:
        got.pop()
    if got == expected:
        return
    missing = [h for h in expected if h not in got]
    unknown = [h for h in got if h not in expected]
    parts = []
    if missing:
        parts.append("缺少列：" + "、".join(missing))
    if unknown:
        parts.append("无法识别的列：" + "、".join(h or "（空白列名）" for h in unknown))
    if not parts:
        dupes = sorted({h for h in got if got.count(h) > 1})
        if dupes:
            parts.append("重复的列：" + "、".join(dupes))
        else:
            wrong = next(i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b)
            parts.append(
                f"列的顺序不正确：第 {wrong + 1} 列应为“{expected[wrong]}”，实际为“{got[wrong]}”"
            )
    raise HeaderError(sheet, f"「{sheet}」表头不符合导入模板：" + "；".join(parts))


def _cell(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvChunk:
    """Whole CSV records as read from the file, parsed into cells by an import worker."""

    line_offset: int  # physical lines of the file before the chunk's first line
    text: str


@dataclass(frozen=True)
class RowChunk:
    """Excel rows [(is household sheet, row number, cells)], marshalled: passing one bytes
    object to a worker process costs far less than pickling a list of lists of strings.
    `formulas`: the chunk's formula cells [(is household sheet, *Formula)], marshalled."""

    data: bytes
    formulas: bytes = b""


def _records(fh: Any) -> Iterator[tuple[int, str]]:
    """(physical lines, text) of each CSV record: a line ends a record once the double
    quotes read since the record began are balanced (a quoted cell may hold line breaks)."""
    parts: list[str] = []
    quotes = 0
    for line in fh:
        quotes += line.count('"')
        if parts or quotes % 2:
            parts.append(line)
            if quotes % 2 == 0:
                yield len(parts), "".join(parts)
                parts, quotes = [], 0
            continue
        yield 1, line
        quotes = 0
    if parts:
        yield len(parts), "".join(parts)


def csv_chunks(path: str, encoding: str, size: int, skip: int) -> Iterator[tuple[int, CsvChunk]]:
    """(records read so far, the next `size` records after the first `skip`); checks the
    header first. Splitting into records is cheap; the csv module parses them in workers.

    A file exported by the platform (the header's last cell is `marks.EXPORT_MARK`) must end
    with its trailer, checked before any row is read, and hold the rows and households the
    trailer states, checked at the end (see `marks`)."""
    with open(path, encoding=encoding, errors=DECODE_ERRORS, newline="") as fh:
        records = _records(fh)
        first = next(records, None)
        if first is None:
            raise HeaderError(CSV_SHEET, NO_DATA, NO_DATA_CODE)
        header = next(csv.reader(io.StringIO(first[1], newline="")), [])
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        header = [BROKEN.sub("\ufffd", h) for h in header]
        if not any(h.strip() for h in header):  # nothing but a BOM or blank lines
            raise HeaderError(CSV_SHEET, NO_DATA, NO_DATA_CODE)
        exported = bool(header) and header[-1].strip() == marks.EXPORT_MARK
        expected = None
        if exported:
            header = header[:-1]
            expected = export_trailer(path, encoding)
        check_headers(CSV_SHEET, header, layout_headers(FLAT_COLUMNS))
        lines, seq = first[0], 0
        offset, parts = lines, []
        counter = _ExportCounter()
        for count, text in records:
            if exported and text.startswith("#导出"):
                break  # the trailer (checked above): nothing after it is data
            seq += 1
            counter.add(text)
            if seq <= skip:
                lines += count
                offset = lines
                continue
            parts.append(text)
            lines += count
            if len(parts) >= size:
                yield seq, CsvChunk(offset, "".join(parts))
                offset, parts = lines, []
        if parts:
            yield seq, CsvChunk(offset, "".join(parts))
        if not counter.rows:
            raise HeaderError(CSV_SHEET, NO_DATA, NO_DATA_CODE)
        if expected is not None and (expected.rows, expected.households) != (
            counter.rows,
            counter.households,
        ):
            message = marks.MISMATCH.format(
                households=counter.households,
                rows=counter.rows,
                expected_households=expected.households,
                expected_rows=expected.rows,
            )
            raise HeaderError(CSV_SHEET, message, marks.INCOMPLETE_CODE)


class _ExportCounter:
    """Non-blank records and households (runs of one 户编号: an export writes a household's
    rows together) of a CSV, counted from the records' first cells."""

    def __init__(self) -> None:
        self.rows = self.households = 0
        self.last: str | None = None

    def add(self, text: str) -> None:
        if not text.strip(" ,\t\r\n"):
            return
        self.rows += 1
        if text.startswith('"'):
            first = next(csv.reader(io.StringIO(text, newline="")), [""])[0]
        else:
            first = text.split(",", 1)[0]
        first = first.strip()
        if first != self.last:
            self.households += 1
            self.last = first


TAIL_BYTES = 4096


def export_trailer(path: str, encoding: str) -> marks.Totals:
    """The totals of an exported CSV's last line; HeaderError (T06) when the file does not
    end with the trailer (cut short, or the export failed)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(fh.tell() - TAIL_BYTES, 0))
        tail = fh.read().decode(encoding, errors="replace")
    lines = [line for line in tail.splitlines() if line.strip(" ,\t")]
    last = lines[-1] if lines else ""
    totals = marks.parse_trailer(last.split(",", 1)[0])
    if totals is not None:
        return totals
    message = marks.FAILED if last.startswith(marks.FAILED_PREFIX) else marks.INCOMPLETE
    raise HeaderError(CSV_SHEET, message, marks.INCOMPLETE_CODE)


class RecordError(Exception):
    """A record the csv module refuses (the rest of its chunk is not read)."""

    def __init__(self, line: int, error: csv.Error):
        why = {"field larger than field limit": "单元格内容过长"}.get(
            str(error).split(" (")[0], "格式不正确"
        )
        self.line = line
        self.message = UNREADABLE_RECORD.format(why=why)
        super().__init__(self.message)


def csv_chunk_rows(
    chunk: CsvChunk, refused: list[RecordError] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, raw cells) of the chunk's non-blank rows. A record the csv module
    refuses raises RecordError, or with `refused` is added to it and the rows go on."""
    reader = csv.reader(io.StringIO(chunk.text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the reader goes on at the next line
            error = RecordError(chunk.line_offset + reader.line_num, exc)
            if refused is None:
                raise error from exc
            refused.append(error)
            continue
        # Cells are stripped by the parser (only the non-empty ones: cheaper).
        if any(row) and (any(c.strip() for c in row)):
            # A text cell an export protected from formula injection ('=…) reads back as is.
            row = [unquote_cell(c) if c[:1] == "'" else c for c in row]
            yield chunk.line_offset + reader.line_num, row


# --- Excel ------------------------------------------------------------------------------------


def _workbook(path: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(path)
    except Exception as exc:
        raise HeaderError(
            "", "无法读取 Excel 文件，请确认文件未损坏且为 .xlsx 或 .xls 格式"
        ) from exc


def excel_sheets(path: str) -> list[str]:
    """The sheets to read, in order; missing ones are a header error."""
    book = _workbook(path)
    missing = [s for s in (HOUSEHOLD_SHEET, MEMBER_SHEET) if s not in book.sheet_names]
    if missing:
        raise HeaderError(
            missing[0], "Excel 文件缺少工作表：" + "、".join(f"「{s}」" for s in missing)
        )
    return [HOUSEHOLD_SHEET, MEMBER_SHEET]


# A formula cell: (row number, column index, formula text, cached value as read).
Formula = tuple[int, int, str, str]


def excel_rows(
    path: str,
    sheet: str,
    on_height: Callable[[int], None] | None = None,
    formulas_out: list[Formula] | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of one sheet's data rows; checks its header first. `on_height`
    receives the sheet's data-row count when it is opened (for the progress bar).

    A number in a date column is an Excel date serial (1900 or 1904 system, as the workbook
    says) and is read as the date. The formula cells of a row (.xlsx only, `xlsx_cells`) are
    appended to `formulas_out` before the row is yielded."""
    book = _workbook(path)
    columns = HOUSEHOLD_COLUMNS if sheet == HOUSEHOLD_SHEET else MEMBER_COLUMNS
    expected = layout_headers(columns)
    dates = [i for i, c in enumerate(columns) if c.kind is Kind.DATE]
    is_xlsx = suffix(path) == ".xlsx"
    date1904 = is_xlsx and xlsx_cells.uses_1904(path)
    formulas = xlsx_cells.formulas(path, sheet) if is_xlsx else {}
    data = book.get_sheet_by_name(sheet)
    if on_height is not None:
        on_height(max(data.height - 1, 0))
    rows = data.iter_rows()
    header = next(rows, None)
    if header is None:
        raise HeaderError(sheet, f"「{sheet}」是空表，缺少表头")
    check_headers(sheet, [_cell(c) for c in header], expected)
    for number, row in enumerate(rows, start=2):
        # Text cells pass as they are (the parser strips the ones it reads); only numbers,
        # dates and booleans need converting.
        cells = [c if c.__class__ is str else _cell(c) for c in row]
        for i in dates:
            if i < len(row) and row[i].__class__ in (float, int):
                iso = xlsx_cells.serial_date(row[i], date1904=date1904)
                if iso is not None:
                    cells[i] = iso
        if any(cells) and any(c.strip() for c in cells):
            if formulas and formulas_out is not None:
                for col in range(len(cells)):
                    formula = formulas.get((number, col))
                    if formula is not None:
                        formulas_out.append((number, col, formula, cells[col].strip()))
            yield number, cells


# --- either ------------------------------------------------------------------------------------


def file_chunks(
    path: str,
    *,
    is_csv: bool,
    encoding: str,
    size: int,
    skip: int = 0,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, CsvChunk | RowChunk]]:
    """(rows read so far, the next `size` rows of the file) after the first `skip`: what
    parse.ChunkParser takes. Excel rows (is household row, row number, cells) travel in
    marshal form, which is far cheaper than pickling; `on_total` receives the running total
    of data rows as each sheet is opened (the progress bar)."""
    if is_csv:
        yield from csv_chunks(path, encoding, size, skip)
        return
    heights: list[int] = []

    def counted(height: int) -> None:
        heights.append(height)
        if on_total is not None:
            on_total(sum(heights))

    chunk: list[tuple[bool, int, list[str]]] = []
    found: list[Formula] = []  # the formula cells of the rows read since the last chunk
    formulas: list[tuple[bool, int, int, str, str]] = []
    seq = 0

    def pack() -> RowChunk:
        data = RowChunk(marshal.dumps(chunk), marshal.dumps(formulas) if formulas else b"")
        chunk.clear()
        formulas.clear()
        return data

    for sheet in excel_sheets(path):
        is_household = sheet == HOUSEHOLD_SHEET
        for number, cells in excel_rows(path, sheet, counted, found):
            seq += 1
            if found:
                if seq > skip:
                    formulas.extend((is_household, *f) for f in found)
                found.clear()
            if seq <= skip:
                continue
            chunk.append((is_household, number, cells))
            if len(chunk) >= size:
                yield seq, pack()
    if chunk:
        yield seq, pack()
    if not seq:
        raise HeaderError(HOUSEHOLD_SHEET, NO_DATA, NO_DATA_CODE)
