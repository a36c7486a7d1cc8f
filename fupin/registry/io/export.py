"""Registry export (SPEC §2 导出): any filtered household list of the actor's jurisdiction as
.xlsx (two sheets, 户信息 / 成员信息) or flat .csv, in the layout of `layout.py`, so an exported
file imports back unchanged.

- Reads in bounded memory: a server-side cursor over households (`iterator(chunk_size)`), with
  the current members and the latest income prefetched per chunk (three queries per chunk).
- Masking (SPEC §10, `registry.privacy`): ID numbers are the staff mask (area code only),
  phones and bank accounts masked, for every role. Without PERSONAL_DATA_VIEW over the whole
  exported scope the 出生日期 column is replaced by 年龄（周岁）; without HEALTH_VIEW the
  健康状况 and 残疾等级 columns are left out. A holder of PERSONAL_DATA_VIEW may ask for the
  「含完整身份信息」 export (`full=True`, with a reason): full ID numbers, phones and bank
  accounts, recorded in the audit trail before the file is sent (`exports.views`).
- Cells: code lists as their Chinese labels, yes/no as 是/否, dates YYYY-MM-DD; the household
  row carries the latest year of income. Text that a spreadsheet would run as a formula
  (`=`, `+`, `-`, `@`, tab, CR first) is written inert through `fupin.core.exports`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import DatabaseError
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from fupin.core import codelists, exports
from fupin.core.access import Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import ValidationFailed
from fupin.core.masking import mask_bank_account, mask_phone
from fupin.regions.models import Region

from .. import codes, identity, privacy, selectors
from ..models import Household, Income, Member
from ..selectors import HouseholdFilters
from . import layout, marks
from .layout import Column, Kind

CHUNK_SIZE = 2000
XLSX_MAX_ROWS = 1_048_575  # rows of a sheet below the header row
CSV_FLUSH_ROWS = 1000
FORMATS = ("xlsx", "csv")
# GBK is asked for by old Excel installs; GB18030 writes every GBK character with the same
# bytes and still encodes the rare characters (生僻字) of names that GBK lacks.
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gb18030", "gb18030": "gb18030"}


def filters_from_params(params: Mapping[str, Any]) -> HouseholdFilters:
    """The household-list filters from query parameters (the list page's names)."""

    def get(key: str) -> str:
        return str(params.get(key) or "").strip()

    def year(key: str) -> int | None:
        value = get(key)
        if not value:
            return None
        if not value.isdigit() or not 1900 <= int(value) <= 2100:
            raise ValidationFailed(f"年度“{value}”无效", errors={key: ["应为四位年度"]})
        return int(value)

    return HouseholdFilters(
        region=get("region"),
        status=get("status"),
        attribute=get("attribute"),
        cause=get("cause"),
        any_cause=get("any_cause") in ("1", "true", "on"),
        identified_year=year("identified_year"),
        exit_year=year("exit_year"),
        rule=get("rule"),
        q=get("q"),
    )


def export_queryset(actor: Actor, filters: HouseholdFilters) -> QuerySet[Household]:
    """Households of the jurisdiction matching the filters (the household list's selector):
    an out-of-jurisdiction or unknown `region` is NotFound."""
    return selectors.household_queryset(actor, filters=filters)


def iter_households(
    actor: Actor, filters: HouseholdFilters, *, chunk_size: int | None = None
) -> Iterator[Household]:
    """Households in (village, household number) order with `current_members` (head first)
    and `latest_income` (a list of at most one Income) prefetched per chunk."""
    members = (
        Member.objects.filter(left_on__isnull=True)
        .defer("created_at", "updated_at", "created_by", "updated_by", "id_hash")
        .order_by("household_id", "id")
    )
    latest = Income.objects.order_by("household_id", "-year").distinct("household_id")
    qs = (
        export_queryset(actor, filters)
        # In the order of household_region_number, so the first chunk streams at once.
        .order_by(keyset.pattern_order("region_code"), keyset.pattern_order("household_no"))
        .prefetch_related(
            Prefetch("members", queryset=members, to_attr="current_members"),
            Prefetch("incomes", queryset=latest, to_attr="latest_income"),
        )
    )
    yield from qs.iterator(chunk_size=chunk_size or CHUNK_SIZE)


def _labels(choices: type[codes.models.TextChoices] | None) -> dict[str, str]:
    """value → the label the code list has now (administrators may rename items)."""
    return dict(codelists.choices(choices)) if choices else {}


AGE_COLUMN = Column("年龄（周岁）", "age", Kind.INT)


def export_scope(actor: Actor, filters: HouseholdFilters) -> list[str]:
    """The region codes an export covers: the filter's region, or the whole jurisdiction."""
    return [filters.region] if filters.region else actor.region_codes(Perm.HOUSEHOLD_VIEW)


def member_columns(sight: privacy.Sight) -> list[Column]:
    """The member sheet's columns as the actor may see them (see the module docstring)."""
    columns = []
    for column in layout.MEMBER_COLUMNS:
        if column.field == "declared_birth_date" and not sight.personal:
            columns.append(AGE_COLUMN)
        elif column.field not in privacy.HEALTH_FIELDS or sight.health:
            columns.append(column)
    return columns


class Formatter:
    """Turns households and members into rows of the layout, masked for the actor.

    `full`: the 「含完整身份信息」 export (the caller has checked the right and recorded it)."""

    def __init__(
        self,
        actor: Actor,
        *,
        typed: bool = False,
        sight: privacy.Sight | None = None,
        full: bool = False,
    ):
        self.sight = sight or privacy.Sight.everywhere(actor, actor.region_codes())
        self.full = full and self.sight.personal
        self.member_columns = member_columns(self.sight)
        self.flat_columns = layout.HOUSEHOLD_COLUMNS + self.member_columns[1:]
        self.today = timezone.localdate()
        # typed: cells for xlsx (floats, None for blanks); otherwise cells for csv ("" blanks).
        self.typed = typed
        self.labels = {
            c.field: _labels(c.choices) for c in layout.FLAT_COLUMNS if c.choices is not None
        }

    def cell(self, column: Column, raw: Any) -> Any:
        if raw is None or raw == "" or raw == []:
            return None if self.typed else ""
        kind = column.kind
        if kind is Kind.BOOL:
            return "是" if raw else "否"
        if kind is Kind.CODE:
            return self.labels[column.field].get(raw, raw)
        if kind is Kind.CODES:
            labels = self.labels[column.field]
            return "、".join(labels.get(v, v) for v in raw)
        if kind is Kind.DATE:
            return raw.isoformat() if isinstance(raw, dt.date) else str(raw)
        if kind in (Kind.INT, Kind.DECIMAL):
            # Numbers stay numbers in both forms (csv writes their str()), so the formula
            # guard (`core.exports`) never quotes a negative amount.
            if not self.typed:
                return raw
            return float(raw) if isinstance(raw, Decimal) else raw
        return str(raw)

    def household_raw(self, household: Household) -> dict[str, Any]:
        values = {c.field: getattr(household, c.field, None) for c in layout.HOUSEHOLD_COLUMNS}
        values["village_code"] = household.region_code
        if not self.full:
            values["phone"] = mask_phone(household.phone)
            values["bank_account"] = mask_bank_account(household.bank_account)
        incomes = getattr(household, "latest_income", None)
        income = incomes[0] if incomes else None
        values["income_year"] = income.year if income else None
        for name in layout.INCOME_FIELDS:
            values[name] = getattr(income, name) if income else None
        return values

    def household_row(self, household: Household) -> list[Any]:
        raw = self.household_raw(household)
        return [self.cell(c, raw[c.field]) for c in layout.HOUSEHOLD_COLUMNS]

    def member_row(self, household: Household, member: Member) -> list[Any]:
        """The member sheet row (户编号 first)."""
        columns = self.member_columns[1:]
        raw = {c.field: getattr(member, c.field, None) for c in columns}
        raw["id_number"] = identity.reveal(member.id_cipher) if self.full else member.id_masked
        raw["declared_sex"] = member.sex
        raw["declared_birth_date"] = member.birth_date
        raw["age"] = privacy.age_on(member.birth_date, self.today)
        return [household.household_no] + [self.cell(c, raw[c.field]) for c in columns]


def members_of(household: Household) -> list[Member]:
    members: list[Member] = getattr(household, "current_members", None) or []
    # Head first, then in registration order.
    return sorted(members, key=lambda m: (m.relation != codes.Relation.HEAD, m.pk))


@dataclass
class Written:
    """What an export has written so far (its trailer states the totals at the end)."""

    households: int = 0
    members: int = 0
    rows: int = 0

    def totals(self) -> marks.Totals:
        return marks.Totals(self.households, self.members, self.rows)


def iter_flat_rows(
    fmt: Formatter, households: Iterable[Household], written: Written | None = None
) -> Iterator[list[Any]]:
    """The flat CSV layout: one row per current member, household columns repeated; a
    household without current members still gets one row. `written` counts what is yielded."""
    blank = [""] * (len(fmt.member_columns) - 1)
    written = written if written is not None else Written()
    for household in households:
        head = fmt.household_row(household)
        members = members_of(household)
        written.households += 1
        if not members:
            written.rows += 1
            yield head + blank
        for member in members:
            written.members += 1
            written.rows += 1
            yield head + fmt.member_row(household, member)[1:]


def formatter(
    actor: Actor, filters: HouseholdFilters, *, typed: bool = False, full: bool = False
) -> Formatter:
    sight = privacy.Sight.everywhere(actor, export_scope(actor, filters))
    return Formatter(actor, typed=typed, sight=sight, full=full)


def iter_csv(
    actor: Actor,
    filters: HouseholdFilters,
    *,
    encoding: str = "utf-8",
    full: bool = False,
    written: Written | None = None,
) -> Iterator[bytes]:
    """Encoded CSV chunks (UTF-8 with BOM so Excel detects it, or GBK/GB18030).

    The header row ends with `marks.EXPORT_MARK` and the last line is the trailer with the
    totals, written only after the last row. If reading the database fails mid-stream, the
    rows so far and a `#导出失败` line are sent and the error is raised again, so the server
    breaks the transfer off (no terminating chunk) and the trailer never comes."""
    codec = ENCODINGS.get(encoding.lower())
    if codec is None:
        raise ValidationFailed(f"不支持的编码“{encoding}”", errors={"encoding": ["不支持"]})
    households = iter_households(actor, filters)  # checks the filters before the first byte
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer, lineterminator="\r\n")
    fmt = formatter(actor, filters, full=full)
    writer.writerow([*layout.headers(fmt.flat_columns), marks.EXPORT_MARK])
    prefix = "\ufeff".encode() if codec == "utf-8" else b""
    written = written if written is not None else Written()

    def flush() -> bytes:
        nonlocal prefix
        chunk = prefix + buffer.getvalue().encode(codec)
        prefix = b""
        buffer.seek(0)
        buffer.truncate()
        return chunk

    try:
        for n, row in enumerate(iter_flat_rows(fmt, households, written), 1):
            row.append("")  # the mark's column, so every row has the header's width
            writer.writerow(row)
            if n % CSV_FLUSH_ROWS == 0:
                yield flush()
    except DatabaseError:
        writer.writerow([marks.EXPORT_FAILED_LINE])
        yield flush()
        raise
    writer.writerow([marks.trailer(written.totals())])
    yield flush()


def csv_stream(
    actor: Actor,
    filters: HouseholdFilters,
    *,
    encoding: str = "utf-8",
    full: bool = False,
    written: Written | None = None,
) -> Iterator[bytes]:
    """Like iter_csv, but validates the filters and encoding now (so errors become a 404 /
    422 response instead of a broken download)."""
    export_queryset(actor, filters)
    if encoding.lower() not in ENCODINGS:
        raise ValidationFailed(f"不支持的编码“{encoding}”", errors={"encoding": ["不支持"]})
    return iter_csv(actor, filters, encoding=encoding, full=full, written=written)


def write_xlsx(
    actor: Actor, filters: HouseholdFilters, path: str | Path, *, full: bool = False
) -> tuple[int, int]:
    """Write the two-sheet workbook to `path` (xlsxwriter in constant-memory mode: each sheet
    streams its rows to a temporary file). Returns (households, members) written."""
    export_queryset(actor, filters)  # 404 / 422 before any work
    fmt = formatter(actor, filters, typed=True, full=full)
    workbook = exports.workbook(str(path), {"constant_memory": True})
    try:
        bold = workbook.add_format({"bold": True})
        text = workbook.add_format({"num_format": "@"})
        hh_sheet = workbook.add_worksheet(layout.HOUSEHOLD_SHEET)
        m_sheet = workbook.add_worksheet(layout.MEMBER_SHEET)
        for sheet, columns in (
            (hh_sheet, layout.HOUSEHOLD_COLUMNS),
            (m_sheet, fmt.member_columns),
        ):
            for index, column in enumerate(columns):
                width = 20 if column.kind is Kind.ID or column.field == "household_no" else 12
                sheet.set_column(index, index, width, text if column.kind is Kind.TEXT else None)
            sheet.write_row(0, 0, layout.headers(columns), bold)
        hh_row = m_row = 0
        for household in iter_households(actor, filters):
            hh_row += 1
            hh_sheet.write_row(hh_row, 0, fmt.household_row(household))
            for member in members_of(household):
                m_row += 1
                if m_row > XLSX_MAX_ROWS:
                    raise ValidationFailed(
                        f"成员超过 Excel 单个工作表的上限（{XLSX_MAX_ROWS:,} 行），"
                        "请导出 CSV 或按乡镇分别导出"
                    )
                m_sheet.write_row(m_row, 0, fmt.member_row(household, member))
        members = m_row
        note = workbook.add_worksheet(marks.NOTE_SHEET)
        note.set_column(0, 0, 60)
        note.write_column(
            0,
            0,
            [
                marks.trailer(marks.Totals(hh_row, members, hh_row + members)),
                f"「{layout.HOUSEHOLD_SHEET}」{hh_row} 行，「{layout.MEMBER_SHEET}」{members} 行",
                f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}",
            ],
        )
    finally:
        workbook.close()
    return hh_row, m_row


def file_stem(actor: Actor, filters: HouseholdFilters, today: dt.date | None = None) -> str:
    """建档立卡户_<region name>_<date>: the download's (Chinese) file name without suffix."""
    today = today or timezone.localdate()
    codes_ = export_scope(actor, filters)
    names = dict(
        Region.objects.filter(code__in=[c for c in codes_ if c]).values_list("code", "name")
    )
    scope = "、".join(names.get(c, c) for c in codes_ if c) or "全部"
    return f"建档立卡户_{scope}_{today:%Y%m%d}"


def expected_totals(actor: Actor, filters: HouseholdFilters) -> marks.Totals:
    """The totals an export of these filters will write, counted before it starts (two
    queries): households, current members, and CSV rows (a member-less household is a row)."""
    qs = export_queryset(actor, filters)
    current = Member.objects.filter(household=OuterRef("pk"), left_on__isnull=True)
    counts = qs.aggregate(households=Count("pk"), empty=Count("pk", filter=~Exists(current)))
    members = Member.objects.filter(
        household__in=qs.order_by().values("pk"), left_on__isnull=True
    ).count()
    return marks.Totals(counts["households"], members, members + counts["empty"])
