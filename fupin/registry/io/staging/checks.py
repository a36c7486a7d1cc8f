"""Checking the staged rows (step 2): set-based SQL across rows and against the registry,
then the rule catalogue per household, page by page."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fupin.core import params
from fupin.regions.models import Level, Region
from fupin.registry import codes, identity
from fupin.registry import services as registry_services
from fupin.registry.validation import Bundle, Severity, all_rules

from ..layout import (
    HOUSEHOLD_SHEET,
    INCOME_FIELDS,
)
from ..parse import (
    HH_FIELDS,
    MEM_FIELDS,
)
from .base import (
    BUNDLE_PAGE,
    DUPLICATE_MESSAGES,
    ERR_COLS,
    HEADER_OF,
    HH_CMP,
    HH_SRC,
    HOUSEHOLD_DEFAULTS,
    INC_CMP,
    INC_SRC,
    INCOME_DEFAULTS,
    MEM_CMP,
    MEM_DB,
    MEM_SRC,
    MEMBER_DEFAULTS,
    Staging,
)


class Checking(Staging):
    def prepare(self) -> None:
        with transaction.atomic():
            self.sql(f"DELETE FROM {self.err} WHERE phase = 'check'")
            self.sql(f"CREATE INDEX IF NOT EXISTS {self.hh}_no ON {self.hh} (household_no)")
            self.sql(
                f"CREATE INDEX IF NOT EXISTS {self.mem}_no ON {self.mem} (household_no, row_no)"
            )
            if self.upsert:  # members already registered are matched by ID number
                self.sql(f"CREATE INDEX IF NOT EXISTS {self.mem}_id ON {self.mem} (id_hash)")
        self.sql(f"ANALYZE {self.hh}")
        self.sql(f"ANALYZE {self.mem}")

    def changes(self) -> dict[str, int]:
        """How many staged households / members / incomes differ from the registry."""
        households = self.scalar(
            f"SELECT count(*) FROM {self.hh} s WHERE NOT EXISTS (SELECT 1 FROM registry_household h"
            f" WHERE h.household_no = s.household_no AND (h.region_code, {HH_CMP})"
            f" IS NOT DISTINCT FROM (s.village_code, {HH_SRC}))"
        )
        members = self.scalar(
            f"SELECT count(*) FROM {self.mem} s WHERE NOT EXISTS (SELECT 1 FROM registry_member m"
            " JOIN registry_household h ON h.id = m.household_id"
            f" WHERE m.id_hash = s.id_hash AND h.household_no = s.household_no"
            f" AND ({MEM_CMP}) IS NOT DISTINCT FROM ({MEM_SRC}))"
        )
        incomes = self.scalar(
            f"SELECT count(*) FROM {self.hh} s WHERE s.income_year IS NOT NULL AND NOT EXISTS ("
            "SELECT 1 FROM registry_income i JOIN registry_household h ON h.id = i.household_id"
            " WHERE h.household_no = s.household_no AND i.year = s.income_year"
            f" AND (i.size, {INC_CMP}) IS NOT DISTINCT FROM (s.declared_size, {INC_SRC}))"
        )
        return {"households": households, "members": members, "incomes": incomes}

    def cross_checks(self) -> None:
        hs, ms = self.hh_sheet, self.mem_sheet
        region = self.job.region_code
        region_name = Region.objects.filter(code=region).values_list("name", flat=True).first()
        checks: list[tuple[str, list[Any]]] = [
            (
                f"SELECT %s, s.row_no, '户编号', s.household_no, 'R01',"
                f" '户编号在文件中重复（与第 ' || f.first || ' 行相同）'"
                f" FROM {self.hh} s JOIN (SELECT household_no, min(row_no) AS first FROM {self.hh}"
                " WHERE household_no IS NOT NULL GROUP BY household_no HAVING count(*) > 1) f"
                " USING (household_no) WHERE s.row_no <> f.first",
                [hs],
            ),
            (
                f"SELECT %s, s.row_no, '村代码', s.village_code, 'R04', CASE WHEN r.code IS NULL"
                " THEN '村代码“' || s.village_code || '”不存在或不是村级区划'"
                " ELSE '“' || r.name || '”不在本次导入的辖区（' || %s || '）内' END"
                f" FROM {self.hh} s LEFT JOIN regions_region r ON r.code = s.village_code AND r.level = %s"
                " WHERE s.village_code IS NOT NULL AND (r.code IS NULL OR left(s.village_code, %s) <> %s)",
                [hs, region_name or region, int(Level.VILLAGE), len(region), region],
            ),
            (
                f"SELECT %s, s.row_no, '户编号', s.household_no, 'R05', %s FROM {self.mem} s"
                f" WHERE s.household_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {self.hh} h"
                " WHERE h.household_no = s.household_no)",
                [
                    ms,
                    "该户没有户主行（户信息取自与户主关系为“户主”的行）"
                    if self.is_csv
                    else f"「{HOUSEHOLD_SHEET}」中没有这个户编号",
                ],
            ),
            (
                f"SELECT %s, s.row_no, '身份证号', s.id_masked, 'R02',"
                " '身份证号在文件中重复（与第 ' || f.first || ' 行相同）'"
                f" FROM {self.mem} s JOIN (SELECT id_hash, min(row_no) AS first FROM {self.mem}"
                " WHERE id_hash IS NOT NULL GROUP BY id_hash HAVING count(*) > 1) f"
                " USING (id_hash) WHERE s.row_no <> f.first",
                [ms],
            ),
            (
                f"SELECT %s, row_no, '脱贫年度', exit_year::text, 'R09', '脱贫年度不能早于识别年度'"
                f" FROM {self.hh} WHERE exit_year < identified_year",
                [hs],
            ),
            (
                "SELECT %s, row_no, '脱贫年度', '', 'R09',"
                " '贫困户状态为“已脱贫”时必须填写脱贫年度'"
                f" FROM {self.hh} WHERE status = 'exited' AND exit_year IS NULL",
                [hs],
            ),
        ]
        if self.upsert:
            checks.append(
                (
                    f"SELECT %s, s.row_no, '户编号', s.household_no, 'R07',"
                    " '该户已登记在本次导入辖区以外的村，不能通过本次导入修改'"
                    f" FROM {self.hh} s JOIN registry_household h ON h.household_no = s.household_no"
                    " WHERE left(h.region_code, %s) <> %s",
                    [hs, len(region), region],
                )
            )
        else:
            checks.append(
                (
                    f"SELECT %s, s.row_no, '户编号', s.household_no, 'R06',"
                    " '户编号“' || s.household_no || '”已存在（新增导入不能修改已有户，"
                    "如需更新请选择“更新导入”）'"
                    f" FROM {self.hh} s JOIN registry_household h ON h.household_no = s.household_no",
                    [hs],
                )
            )
        for statement, args in checks:
            self.sql(
                f"INSERT INTO {self.err} ({', '.join(ERR_COLS)}, phase)"
                f" SELECT *, 'check' FROM ({statement}) q",
                args,
            )
        # Every row of a household number given twice (reported above as R01) is left out of
        # the rule checks: mark them once here, so each rule page is a plain index range scan
        # rather than an anti-join over the whole staging table (minutes per page at 10M).
        self.sql(
            f"UPDATE {self.hh} s SET bad = true FROM (SELECT household_no FROM {self.hh}"
            " WHERE household_no IS NOT NULL GROUP BY household_no HAVING count(*) > 1) d"
            " WHERE s.household_no = d.household_no AND NOT s.bad"
        )
        self.registry_duplicates()

    def registry_duplicates(self) -> None:
        """ID numbers already registered (insert mode), or registered in another household
        (upsert mode): the message names that household inside the jurisdiction, and outside it
        says only that the number is registered elsewhere (`duplicate_id_message`)."""
        condition = "true" if not self.upsert else "h.household_no <> s.household_no"
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT s.row_no, s.id_masked, s.id_hash FROM {self.mem} s"
                " JOIN registry_member m ON m.id_hash = s.id_hash"
                f" JOIN registry_household h ON h.id = m.household_id WHERE {condition}"
                " ORDER BY s.row_no"
            )
            hits = cur.fetchall()
        rows = []
        for i, (row_no, masked, id_hash) in enumerate(hits):
            message = None
            if i < DUPLICATE_MESSAGES:
                message = registry_services.duplicate_id_message(self.actor, id_hash)
            rows.append(
                (
                    self.mem_sheet,
                    row_no,
                    "身份证号",
                    masked,
                    "R03",
                    message or "身份证号已登记在其他户，同一身份证号不能登记在两户",
                )
            )
        self.add_errors(rows)

    def bundle_checks(self, *, beat: bool = True) -> None:
        """The rule catalogue per household, page by page (keyset on household_no)."""
        # Parameters resolve per village and year; cache them for the whole run.
        param = functools.lru_cache(maxsize=None)(_param)
        lines = functools.lru_cache(maxsize=None)(_lines)
        today = timezone.localdate()
        last = ""
        hh_cols = ", ".join(["row_no", *HH_FIELDS])
        mem_cols = ", ".join(["row_no", "bad", *MEM_FIELDS])
        while True:
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT {hh_cols} FROM {self.hh} WHERE NOT bad AND household_no > %s"
                    " ORDER BY household_no LIMIT %s",
                    [last, BUNDLE_PAGE],
                )
                households = cur.fetchall()
                if not households:
                    return
                numbers = [h[1] for h in households]
                last = numbers[-1]
                cur.execute(
                    f"SELECT {mem_cols} FROM {self.mem} WHERE household_no = ANY(%s)"
                    " ORDER BY household_no, row_no",
                    [numbers],
                )
                members = cur.fetchall()
                existing: list[tuple[Any, ...]] = []
                if self.upsert:
                    cur.execute(
                        "SELECT h.household_no, m.name, m.sex, m.birth_date, "
                        + ", ".join(f"m.{c}" for c in MEM_DB[3:])
                        + ", m.left_on FROM registry_member m JOIN registry_household h"
                        " ON h.id = m.household_id WHERE h.household_no = ANY(%s)"
                        f" AND NOT EXISTS (SELECT 1 FROM {self.mem} s WHERE s.id_hash = m.id_hash)",
                        [numbers],
                    )
                    existing = cur.fetchall()
            self._validate_page(households, members, existing, today, param, lines)
            if beat:
                self.beat(stage="逻辑校验")

    def _validate_page(
        self,
        households: list[tuple[Any, ...]],
        members: list[tuple[Any, ...]],
        existing: list[tuple[Any, ...]],
        today: dt.date,
        param: Any,
        lines: Any,
    ) -> None:
        by_no: dict[str, list[tuple[int | None, SimpleNamespace]]] = {}
        bad: set[str] = set()
        for row in members:
            values = dict(zip(MEM_FIELDS, row[2:], strict=True))
            if row[1]:
                bad.add(values["household_no"])
                continue
            obj = SimpleNamespace(**{**MEMBER_DEFAULTS, **values})
            by_no.setdefault(values["household_no"], []).append((row[0], obj))
        old_fields = ["household_no", *MEM_DB, "left_on"]
        for row in existing:
            values = dict(zip(old_fields, row, strict=True))
            obj = SimpleNamespace(**{**MEMBER_DEFAULTS, **values})
            by_no.setdefault(values["household_no"], []).append((None, obj))
        errors: list[tuple[Any, ...]] = []
        # Only errors block an import, so the warning rules (疑点, found by the sweep) are
        # skipped: the same result as filtering validate_bundle(), at a fraction of the cost.
        rules = [r for r in all_rules() if r.severity is Severity.ERROR]
        for row in households:
            values = dict(zip(HH_FIELDS, row[1:], strict=True))
            number = values["household_no"]
            if number in bad:
                continue
            row_no = row[0]
            household = SimpleNamespace(
                **{
                    **HOUSEHOLD_DEFAULTS,
                    **values,
                    "region_code": values["village_code"],
                    "county_code": (values["village_code"] or "")[:6],
                }
            )
            people = by_no.get(number, [])
            incomes = []
            if values["income_year"] is not None:
                incomes.append(self._income(values))
            village = values["village_code"] or self.job.region_code
            poverty, monitoring = lines(village)
            bundle = Bundle(
                household=household,
                members=[p[1] for p in people],
                incomes=incomes,
                today=today,
                poverty_line=poverty,
                monitoring_line=monitoring,
                param_lookup=functools.partial(param, region_code=village),
            )
            for issue in (i for r in rules for i in r.check(r, bundle)):
                field = issue.fields[0] if issue.fields else ""
                sheet, at, obj = self.hh_sheet, row_no, household
                if issue.member_index is not None and issue.member_index < len(people):
                    member_row, obj = people[issue.member_index]
                    if member_row is not None:
                        sheet, at = self.mem_sheet, member_row
                value = getattr(obj, field, "") if field else ""
                errors.append(
                    (
                        sheet,
                        at,
                        HEADER_OF.get(field, field),
                        _display(value),
                        issue.code,
                        issue.message,
                    )
                )
        self.add_errors(errors)

    @staticmethod
    def _income(values: dict[str, Any]) -> SimpleNamespace:
        amounts = {f: values[f] or Decimal("0") for f in INCOME_FIELDS}
        transfer = sum((amounts[f] for f in codes.TRANSFER_INCOME), Decimal("0"))
        earned = sum((amounts[f] for f in codes.EARNED_INCOME), Decimal("0"))
        net = earned + transfer - sum((amounts[f] for f in codes.INCOME_COSTS), Decimal("0"))
        size = values["declared_size"] or 0
        per_capita = (net / size).quantize(Decimal("0.01")) if size else Decimal("0")
        return SimpleNamespace(
            **{
                **INCOME_DEFAULTS,
                **amounts,
                "year": values["income_year"],
                "size": size,
                "transfer_total": transfer,
                "net_total": net,
                "per_capita": per_capita,
            }
        )


def _param(key: str, region_code: str) -> Any:
    return params.get(key, region_code=region_code)


def _lines(region_code: str) -> tuple[Any, Any]:
    poverty, monitoring = registry_services.line_lookup(region_code)
    return functools.lru_cache(maxsize=None)(poverty), functools.lru_cache(maxsize=None)(monitoring)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return identity.mask(text) if len(text) == 18 and text[:17].isdigit() else text
