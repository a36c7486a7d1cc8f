"""Cell parsing for registry imports: raw strings in, COPY-ready values out.

Each file row becomes one plain tuple for a staging table (no model instances): converters
are precomputed per column from layout.py and the model fields, so the per-row work is a few
dict look-ups and string checks. A bad cell becomes a CellIssue (sheet, row, column, value,
code, message) and the row is staged with `bad = true` so set-based checks still see it.
"""

from __future__ import annotations

import datetime as dt
import marshal
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import timezone
from psycopg._copy_base import format_row_text  # the C formatter copy.write_row uses
from psycopg.adapt import Transformer

from fupin.core import crypto, idnumber
from fupin.core.errors import ValidationFailed
from fupin.registry import identity
from fupin.registry.models import Household, Income, Member

from . import readers
from .layout import FLAT_COLUMNS, HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, Column, Kind
from .readers import CsvChunk, RowChunk, csv_chunk_rows

# Error codes of the report (validation rules keep their own H/M/I/L codes).
C_REQUIRED = "C01"
C_CODE = "C02"
C_BOOL = "C03"
C_INT = "C04"
C_DECIMAL = "C05"
C_DATE = "C06"
C_LENGTH = "C07"
C_RANGE = "C08"
C_ID = "C09"
C_SEX = "C10"
C_BIRTH = "C11"
C_FORMULA = "C13"
FORMULA_MESSAGE = "第{row}行“{column}”是公式（{formula}，计算结果 {value}），请粘贴为数值后再导入"

TRUE_WORDS = {"是": "t", "1": "t", "y": "t", "yes": "t", "true": "t", "有": "t"}
FALSE_WORDS = {"否": "f", "0": "f", "n": "f", "no": "f", "false": "f", "无": "f"}
BOOL_WORDS = {**TRUE_WORDS, **FALSE_WORDS}
INT_RE = re.compile(r"^[+-]?\d+(\.0+)?$")
DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(:00)?)?$")
CODES_SPLIT = re.compile(r"[、,，;；\s]+")

# Bounds beyond the column types (model CHECK constraints and plausible years).
RANGES: dict[str, tuple[int, int]] = {
    "identified_year": (1980, 2100),
    "exit_year": (1980, 2100),
    "income_year": (1980, 2100),
    "declared_size": (1, 99),
    "disability_grade": (1, 4),
    "employment_months": (0, 12),
}


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CellIssue:
    sheet: str
    row_no: int
    column: str
    value: str
    code: str
    message: str


def model_field(field: str) -> models.Field[Any, Any] | None:
    """The model field a layout column lands in (income columns → Income)."""
    name = {"income_year": "year"}.get(field, field)
    for model in (Household, Member, Income):
        try:
            return model._meta.get_field(name)  # type: ignore[return-value]
        except Exception:  # noqa: S112 - try the next model
            continue
    return None


def sql_type(column: Column) -> str:
    """The staging column type: the target column's type so COPY does the final parse."""
    f = model_field(column.field)
    if column.kind is Kind.CODES:
        return "text[]"
    if column.kind is Kind.BOOL:
        return "boolean"
    if column.kind is Kind.INT:
        return "integer"
    if column.kind is Kind.DATE:
        return "date"
    if column.kind is Kind.DECIMAL:
        if isinstance(f, models.DecimalField):
            return f"numeric({f.max_digits},{f.decimal_places})"
        return "numeric"
    return "text"


def _default_text(column: Column) -> str | None:
    """What a blank optional cell stores: the model default (COPY text form) or NULL."""
    f = model_field(column.field)
    if f is None or column.field == "income_year":
        return None
    if f.has_default():
        value = f.get_default()
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, list):
            return "{}"
        if value is None:
            return None
        return str(value)
    if getattr(f, "null", False):
        return None
    return ""


def _max_length(column: Column) -> int | None:
    f = model_field(column.field)
    return getattr(f, "max_length", None) or column.max_length


class _CodeMap(dict[str, str]):
    """Cell text → code; a stopped (停用) item's label or code is refused by name."""

    def __init__(self) -> None:
        super().__init__()
        self.inactive: dict[str, str] = {}  # label or code → label

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        value = dict.get(self, key)
        if value is None and key in self.inactive:
            raise CellError(C_CODE, f"“{self.inactive[key]}”已停用，不能再使用")
        return default if value is None else value


def _code_map(column: Column) -> dict[str, str]:
    """The current labels and codes of the code list (fupin.core.codelists); the labels
    defined in code stay accepted after an administrator renames an item, so old files
    still import."""
    from fupin.core import codelists

    assert column.choices is not None
    mapping = _CodeMap()
    items = codelists.items(column.choices)
    active = [i for i in items if i.active]
    for item in active:
        mapping[item.label] = item.value
        mapping[item.value] = item.value
        mapping[item.value.lower()] = item.value
    code_labels = codelists.code_labels(column.choices)
    for item in active:
        if item.value in code_labels:
            mapping.setdefault(code_labels[item.value], item.value)
        # "A级（安全）" is also accepted as "A级".
        mapping.setdefault(item.label.split("（")[0], item.value)
    for item in items:
        if not item.active:
            for key in (item.label, item.value, item.value.lower()):
                if key not in mapping:
                    mapping.inactive[key] = item.label
    return mapping


def _converter(column: Column) -> Callable[[str], Any]:
    kind = column.kind
    if kind is Kind.TEXT:
        limit = _max_length(column)

        def text(v: str) -> str:
            if limit and len(v) > limit:
                raise CellError(C_LENGTH, f"长度不能超过 {limit} 个字符")
            return v

        return text
    if kind is Kind.BOOL:

        def boolean(v: str) -> str:
            r = BOOL_WORDS.get(v.lower())
            if r is None:
                raise CellError(C_BOOL, "应填写“是”或“否”（也可填 1/0、Y/N）")
            return r

        return boolean
    if kind is Kind.INT:
        low, high = RANGES.get(column.field, (0, 32767))

        def integer(v: str) -> str:
            if not INT_RE.match(v):
                raise CellError(C_INT, "应为整数")
            n = int(v.split(".")[0])
            if not low <= n <= high:
                raise CellError(C_RANGE, f"应在 {low} 到 {high} 之间")
            return str(n)

        return integer
    if kind is Kind.DECIMAL:
        f = model_field(column.field)
        digits = (f.max_digits - f.decimal_places) if isinstance(f, models.DecimalField) else 10
        limit = 10**digits

        def decimal(v: str) -> str:
            v = v.replace(",", "")
            if not DECIMAL_RE.match(v):
                raise CellError(C_DECIMAL, "应为数字")
            try:
                d = Decimal(v)
            except InvalidOperation as exc:  # pragma: no cover - the regex guards
                raise CellError(C_DECIMAL, "应为数字") from exc
            if d < 0:
                raise CellError(C_RANGE, "不能为负数")
            if d >= limit:
                raise CellError(C_RANGE, f"数值过大（应小于 {limit}）")
            return v

        return decimal
    if kind is Kind.DATE:
        return parse_date
    if kind is Kind.CODE:
        mapping = _code_map(column)
        labels = "、".join(str(label) for _, label in column.choices.choices)  # type: ignore[union-attr]

        def code(v: str) -> str:
            r = mapping.get(v) or mapping.get(v.lower())
            if r is None:
                raise CellError(C_CODE, f"不是有效的取值，可填：{labels}")
            return r

        return code
    if kind is Kind.CODES:
        mapping = _code_map(column)

        def codes_(v: str) -> str:
            out = []
            for part in CODES_SPLIT.split(v):
                if not part:
                    continue
                r = mapping.get(part) or mapping.get(part.lower())
                if r is None:
                    raise CellError(C_CODE, f"“{part}”不是有效的取值")
                if r not in out:
                    out.append(r)
            return "{" + ",".join(out) + "}"

        return codes_
    raise ValueError(kind)  # Kind.ID is handled by parse_member


def parse_date(v: str) -> str:
    m = DATE_RE.match(v)
    if m is None:
        if v.isdigit() and len(v) == 8:  # 19700301
            m = re.match(r"^(\d{4})(\d{2})(\d{2})$", v)
        if m is None:
            raise CellError(C_DATE, "日期格式应为 YYYY-MM-DD")
    try:
        d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise CellError(C_DATE, "日期无效") from exc
    return d.isoformat()


@dataclass(frozen=True)
class Spec:
    column: Column
    index: int  # position in the file row
    convert: Callable[[str], Any]
    blank: Any
    required: bool
    cache: dict[str, Any] | None  # raw cell → converted value (not for free text)


def _specs(columns: list[Column], positions: dict[str, int]) -> list[Spec]:
    return [
        Spec(
            c,
            positions[c.header],
            _converter(c),
            _default_text(c),
            c.required,
            None if c.kind is Kind.TEXT else {},
        )
        for c in columns
    ]


# Staging layouts (the order of the tuple built for COPY).
HH_FIELDS = [c.field for c in HOUSEHOLD_COLUMNS]  # household_no, village_code, ... income
MEMBER_VALUE_COLUMNS = [
    c
    for c in MEMBER_COLUMNS
    if c.field not in {"household_no", "name", "id_number", "declared_sex", "declared_birth_date"}
]
MEM_FIELDS = [
    "household_no",
    "name",
    "id_hash",
    "id_cipher",
    "id_masked",
    "sex",
    "birth_date",
    *[c.field for c in MEMBER_VALUE_COLUMNS],
]
MEM_TYPES = ["text", "text", "text", "text", "text", "text", "date"] + [
    sql_type(c) for c in MEMBER_VALUE_COLUMNS
]
HH_TYPES = [sql_type(c) for c in HOUSEHOLD_COLUMNS]


CACHE_LIMIT = 20_000  # distinct raw values remembered per column


def _cells(
    raw: list[str],
    specs: list[Spec],
    out: list[Any],
    issues: list[CellIssue],
    sheet: str,
    row_no: int,
) -> bool:
    """Convert the cells of `specs` into `out`; False if any cell is bad.

    Code, yes/no, number and date columns repeat a few values over a whole file, so each
    column remembers its converted values: most cells cost one dict look-up."""
    ok = True
    n = len(raw)
    for s in specs:
        v = raw[s.index] if s.index < n else ""
        if v:
            cache = s.cache
            if cache is not None:
                hit = cache.get(v)
                if hit is not None:
                    out.append(hit)
                    continue
            key = v
            v = v.strip()
            if v:
                try:
                    value = s.convert(v)
                except CellError as e:
                    issues.append(CellIssue(sheet, row_no, s.column.header, v, e.code, e.message))
                    ok = False
                    out.append(None)
                    continue
                if cache is not None and len(cache) < CACHE_LIMIT:
                    cache[key] = value
                out.append(value)
                continue
        if s.required:
            issues.append(
                CellIssue(sheet, row_no, s.column.header, "", C_REQUIRED, "必填项不能为空")
            )
            ok = False
            out.append(None)
        else:
            out.append(s.blank)
    return ok


class HouseholdParser:
    """Household cells → (row_no, bad, *HH_FIELDS)."""

    def __init__(self, positions: dict[str, int]):
        self.specs = _specs(HOUSEHOLD_COLUMNS, positions)

    def __call__(
        self, raw: list[str], sheet: str, row_no: int, issues: list[CellIssue]
    ) -> tuple[Any, ...]:
        out: list[Any] = [row_no, False]
        out[1] = not _cells(raw, self.specs, out, issues, sheet, row_no)
        return tuple(out)


class MemberParser:
    """Member cells → (row_no, bad, *MEM_FIELDS); the ID number is encrypted and hashed here
    and checked against the declared 性别 / 出生日期."""

    def __init__(self, positions: dict[str, int]):
        self.head_specs = _specs(MEMBER_COLUMNS[:2], positions)  # 户编号, 姓名
        self.id_pos = positions["身份证号"]
        self.sex_pos = positions["性别"]
        self.birth_pos = positions["出生日期"]
        self.relation_pos = positions["与户主关系"]
        self.specs = _specs(MEMBER_VALUE_COLUMNS, positions)
        self.today = timezone.localdate()

    def is_head(self, raw: list[str]) -> bool:
        pos = self.relation_pos
        return pos < len(raw) and raw[pos].strip() in ("户主", "head")

    def __call__(
        self, raw: list[str], sheet: str, row_no: int, issues: list[CellIssue]
    ) -> tuple[Any, ...]:
        n = len(raw)
        out: list[Any] = [row_no, False]
        ok = _cells(raw, self.head_specs, out, issues, sheet, row_no)
        raw_id = raw[self.id_pos].strip() if self.id_pos < n else ""
        if not raw_id:
            issues.append(CellIssue(sheet, row_no, "身份证号", "", C_REQUIRED, "必填项不能为空"))
            ok = False
            out.extend((None, None, None, None, None))
        else:
            ok = self._id(raw, raw_id, out, issues, sheet, row_no) and ok
        ok = _cells(raw, self.specs, out, issues, sheet, row_no) and ok
        out[1] = not ok
        return tuple(out)

    def _id(
        self,
        raw: list[str],
        raw_id: str,
        out: list[Any],
        issues: list[CellIssue],
        sheet: str,
        row_no: int,
    ) -> bool:
        n = len(raw)
        try:
            info = idnumber.parse(raw_id, today=self.today)
        except ValidationFailed as exc:
            masked = identity.mask(raw_id)
            message = exc.message.replace(idnumber.normalize(raw_id), masked)
            issues.append(CellIssue(sheet, row_no, "身份证号", masked, C_ID, message))
            out.extend((None, None, None, None, None))
            return False
        number = info.number
        born = info.birth_date.isoformat()
        out.extend(
            (
                crypto.lookup_hash(number),
                crypto.encrypt(number),
                identity.mask(number),
                info.sex,
                born,
            )
        )
        ok = True
        sex = raw[self.sex_pos].strip() if self.sex_pos < n else ""
        if sex and sex != info.sex:
            message = f"性别与身份证号不符（应为{info.sex}）"
            issues.append(CellIssue(sheet, row_no, "性别", sex, C_SEX, message))
            ok = False
        birth = raw[self.birth_pos].strip() if self.birth_pos < n else ""
        if birth:
            try:
                same = parse_date(birth) == born
            except CellError as e:
                issues.append(CellIssue(sheet, row_no, "出生日期", birth, e.code, e.message))
                return False
            if not same:
                message = f"出生日期与身份证号不符（应为 {born}）"
                issues.append(CellIssue(sheet, row_no, "出生日期", birth, C_BIRTH, message))
                ok = False
        return ok


@dataclass
class ParsedChunk:
    """One chunk of file rows, parsed: COPY text for the staging tables and the cell issues."""

    households: bytes
    members: bytes
    issues: list[CellIssue]
    first_row: int | None  # the file row number of the chunk's first row


# (is a row of the household sheet, file row number, raw cells)
FileRow = tuple[bool, int, list[str]]


class ChunkParser:
    """File rows → ParsedChunk: the work of one import worker process (no database).

    CSV rows use the flat layout: every row is a member, and the 户主 row also carries the
    household's cells. Excel rows come from the household sheet or the member sheet."""

    def __init__(self, *, is_csv: bool, household_sheet: str, member_sheet: str):
        # Header → cell index: both parsers read the one flat CSV row, or each its own sheet.
        def positions(columns: list[Column]) -> dict[str, int]:
            return {c.header: i for i, c in enumerate(columns)}

        hh_columns, mem_columns = (
            (FLAT_COLUMNS, FLAT_COLUMNS) if is_csv else (HOUSEHOLD_COLUMNS, MEMBER_COLUMNS)
        )
        self.households = HouseholdParser(positions(hh_columns))
        self.members = MemberParser(positions(mem_columns))
        self.is_csv = is_csv
        self.household_sheet = household_sheet
        self.member_sheet = member_sheet
        self.transformer = Transformer()

    def __call__(self, chunk: CsvChunk | RowChunk) -> ParsedChunk:
        issues: list[CellIssue] = []
        broken: set[int] = set()  # rows with undecodable bytes: staged as bad rows
        rows: Iterable[FileRow]
        formula_rows: set[tuple[bool, int]] = set()  # rows with a formula: staged as bad
        if isinstance(chunk, CsvChunk):
            rows = self._csv_rows(chunk, issues, broken)
        else:
            rows = marshal.loads(chunk.data)  # noqa: S302 - written by the job's own process
            if chunk.formulas:
                formula_rows = self._formulas(chunk.formulas, issues)
        first_row: int | None = None
        households, members = bytearray(), bytearray()
        parse_household, parse_member = self.households, self.members
        hh_sheet, mem_sheet, is_csv = self.household_sheet, self.member_sheet, self.is_csv
        tx = self.transformer
        for is_household, number, cells in rows:
            if first_row is None:
                first_row = number
            if is_household:
                row = parse_household(cells, hh_sheet, number, issues)
                if formula_rows and (True, number) in formula_rows:
                    row = _bad(row)
                format_row_text(row, tx, households)
                continue
            row = parse_member(cells, mem_sheet, number, issues)
            if formula_rows and (False, number) in formula_rows:
                row = _bad(row)
            format_row_text(_bad(row) if broken and number in broken else row, tx, members)
            if is_csv and parse_member.is_head(cells):
                row = parse_household(cells, hh_sheet, number, issues)
                format_row_text(_bad(row) if broken and number in broken else row, tx, households)
        return ParsedChunk(bytes(households), bytes(members), issues, first_row)

    def _formulas(self, data: bytes, issues: list[CellIssue]) -> set[tuple[bool, int]]:
        """Report each formula cell (its cached value is not taken as data); the rows that
        hold one."""
        rows = set()
        for is_household, number, col, formula, value in marshal.loads(data):  # noqa: S302
            columns = HOUSEHOLD_COLUMNS if is_household else MEMBER_COLUMNS
            column = columns[col].header if col < len(columns) else ""
            sheet = self.household_sheet if is_household else self.member_sheet
            message = FORMULA_MESSAGE.format(
                row=number, column=column, formula=formula, value=value or "空"
            )
            issues.append(CellIssue(sheet, number, column, value, C_FORMULA, message))
            rows.add((is_household, number))
        return rows

    def _csv_rows(
        self, chunk: CsvChunk, issues: list[CellIssue], broken: set[int]
    ) -> Iterator[FileRow]:
        """The chunk's rows; a record the csv module refuses is reported and skipped, and a
        cell with undecodable bytes is reported (its bytes shown as �) and its row parsed on,
        as a bad row, for its other errors."""
        sheet = self.member_sheet
        damaged = readers.BROKEN.search(chunk.text) is not None
        refused: list[readers.RecordError] = []

        def report_refused() -> None:
            for error in refused:
                code = readers.UNREADABLE_CODE
                issues.append(CellIssue(sheet, error.line, "", "", code, error.message))
            refused.clear()

        for number, cells in csv_chunk_rows(chunk, refused):
            report_refused()
            if damaged and any(readers.BROKEN.search(c) for c in cells):
                broken.add(number)
                cells = [readers.BROKEN.sub("\ufffd", c) for c in cells]
                for index, cell in enumerate(cells):
                    if "\ufffd" in cell:
                        column = FLAT_COLUMNS[index].header if index < len(FLAT_COLUMNS) else ""
                        issues.append(
                            CellIssue(
                                sheet,
                                number,
                                column,
                                cell.strip(),
                                readers.UNREADABLE_CODE,
                                readers.BAD_CHARACTERS,
                            )
                        )
            yield False, number, cells
        report_refused()


def _bad(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (row[0], True, *row[2:])
