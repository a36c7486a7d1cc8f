"""The import engine: stage → check → apply, all-or-nothing and resumable.

1. Stage: the file is streamed in chunks; each chunk's parsed rows (plain tuples) and cell
   errors are COPY'd into per-job UNLOGGED tables `registry_stage_<job>_{hh,mem,err,prog}` in
   one transaction together with the progress counter, so a killed worker resumes after the
   last committed chunk. (If PostgreSQL itself crashes, unlogged tables come back empty, the
   progress row with them, and staging restarts from the top — still consistent.)
2. Check: set-based SQL over the staged rows (duplicates in the file and against the registry,
   jurisdiction, orphans, constraints), then the rule catalogue per household bundle built
   from lightweight row objects, page by page.
3. Apply: only with zero errors, one transaction writes registry_household / member / income
   with INSERT … SELECT (and UPDATE … FROM in upsert mode) under an audit batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import logging
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fupin.accounts.scope import Actor, load_actor
from fupin.audit.services import bulk_audit, finish_batch, start_batch
from fupin.core import crypto, params
from fupin.core.errors import FupinError
from fupin.regions.models import Level, Region
from fupin.registry import identity
from fupin.registry import services as registry_services
from fupin.registry.models import Household, ImportJob, ImportMode, ImportStatus, Income, Member
from fupin.registry.validation import Bundle, Severity, all_rules

from . import readers, workers
from .layout import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    INCOME_FIELDS,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
)
from .parse import (
    HH_FIELDS,
    HH_TYPES,
    MEM_FIELDS,
    MEM_TYPES,
    ChunkParser,
    ParsedChunk,
)
from .report import write_error_report

log = logging.getLogger(__name__)

CHUNK_ROWS = 10_000  # file rows per staging transaction (and per worker task)
PARALLEL_MIN_BYTES = 4 << 20  # smaller files are parsed in the job's own process
BULK_HOUSEHOLDS = 5_000  # households in a file from which the apply is planned for bulk
BUNDLE_PAGE = 5_000  # households per validation page
DUPLICATE_MESSAGES = 2_000  # per-row "already registered" messages naming the household

UNCHANGED_MESSAGE = "文件内容与系统中的数据一致，未做任何修改"

HH_DB = [
    f for f in HH_FIELDS if f not in ("household_no", "village_code", "income_year", *INCOME_FIELDS)
]
MEM_DB = [f for f in MEM_FIELDS if f not in ("household_no", "id_hash", "id_cipher", "id_masked")]
HEADER_OF = {c.field: c.header for c in [*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS]}
HEADER_OF.update({"sex": "性别", "birth_date": "出生日期", "relation": "与户主关系"})
ERR_COLS = ("sheet", "row_no", "col", "value", "code", "message")
HEADER_CODE = "T01"


def _defaults(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        out[f.attname] = f.get_default() if f.has_default() else None
    return out


MEMBER_DEFAULTS = _defaults(Member)
HOUSEHOLD_DEFAULTS = _defaults(Household)
INCOME_DEFAULTS = _defaults(Income)


class Importer:
    def __init__(self, job: ImportJob):
        self.job = job
        self.actor: Actor = load_actor(job.actor)
        base = f"registry_stage_{int(job.pk)}"
        self.hh, self.mem, self.err, self.prog = (
            f"{base}_{s}" for s in ("hh", "mem", "err", "prog")
        )
        self.is_csv = readers.suffix(job.original_name) == ".csv"
        self.hh_sheet = readers.CSV_SHEET if self.is_csv else HOUSEHOLD_SHEET
        self.mem_sheet = readers.CSV_SHEET if self.is_csv else MEMBER_SHEET
        self.upsert = job.mode == ImportMode.UPSERT
        self._t = time.perf_counter()

    # --- helpers ---------------------------------------------------------------------------

    def sql(self, statement: str, params: Any = None) -> int:
        with connection.cursor() as cur:
            cur.execute(statement, params)
            return int(cur.rowcount)

    def scalar(self, statement: str, params: Any = None) -> Any:
        with connection.cursor() as cur:
            cur.execute(statement, params)
            row = cur.fetchone()
            return row[0] if row else None

    def lap(self, phase: str) -> None:
        """Record how long the phase that just ended took (summary["seconds"], for tuning)."""
        now = time.perf_counter()
        seconds = self.job.summary.setdefault("seconds", {})
        seconds[phase] = round(seconds.get(phase, 0) + now - self._t, 3)
        self._t = now

    def beat(self, **fields: Any) -> None:
        for key, value in fields.items():
            setattr(self.job, key, value)
        fields["heartbeat_at"] = timezone.now()
        ImportJob.objects.filter(pk=self.job.pk).update(**fields)

    def create_tables(self) -> None:
        hh_cols = ", ".join(f"{f} {t}" for f, t in zip(HH_FIELDS, HH_TYPES, strict=True))
        mem_cols = ", ".join(f"{f} {t}" for f, t in zip(MEM_FIELDS, MEM_TYPES, strict=True))
        # No autovacuum on the staging tables: it would analyse them again and again while
        # they fill; prepare() analyses them once, when they are complete.
        quiet = "WITH (autovacuum_enabled = off)"
        with transaction.atomic():
            self.sql(
                f"CREATE UNLOGGED TABLE IF NOT EXISTS {self.hh}"
                f" (row_no integer, bad boolean, {hh_cols}) {quiet}"
            )
            self.sql(
                f"CREATE UNLOGGED TABLE IF NOT EXISTS {self.mem}"
                f" (row_no integer, bad boolean, {mem_cols}) {quiet}"
            )
            self.sql(
                f"CREATE UNLOGGED TABLE IF NOT EXISTS {self.err} (sheet text, row_no integer,"
                " col text, value text, code text, message text, phase text DEFAULT 'cell')"
            )
            self.sql(
                f"CREATE UNLOGGED TABLE IF NOT EXISTS {self.prog} (rows_done integer, complete boolean)"
            )
            if not self.scalar(f"SELECT count(*) FROM {self.prog}"):
                # Fresh start (or PostgreSQL crash recovery emptied the unlogged tables).
                self.sql(f"TRUNCATE {self.hh}, {self.mem}, {self.err}")
                self.sql(f"INSERT INTO {self.prog} VALUES (0, false)")

    def drop_tables(self) -> None:
        self.sql(f"DROP TABLE IF EXISTS {self.hh}, {self.mem}, {self.err}, {self.prog}")

    # --- 1. stage ----------------------------------------------------------------------------

    def stage(self, path: str, encoding: str, skip: int) -> None:
        """Parse the file chunk by chunk (on worker processes when it is large) and stage each
        chunk in file order, one transaction per chunk."""
        parse = ChunkParser(
            is_csv=self.is_csv, household_sheet=self.hh_sheet, member_sheet=self.mem_sheet
        )
        size = Path(path).stat().st_size
        processes = workers.default_processes() if size >= PARALLEL_MIN_BYTES else 1
        if processes > 1:
            crypto.warm_up()  # workers inherit the keys instead of each deriving them
        done = skip
        chunks = readers.file_chunks(
            path,
            is_csv=self.is_csv,
            encoding=encoding,
            size=CHUNK_ROWS,
            skip=skip,
            on_total=lambda total: self.beat(rows_total=total),
        )
        for done, parsed in workers.ordered_map(parse, chunks, processes=processes):
            self.flush(done, parsed, complete=False)
        self.flush(done, ParsedChunk(b"", b"", [], None), complete=True)

    def flush(self, rows_done: int, parsed: ParsedChunk, *, complete: bool) -> None:
        """One chunk: rows, errors and the progress counter commit together."""
        with transaction.atomic(), connection.cursor() as cur:
            for table, fields, data in (
                (self.hh, HH_FIELDS, parsed.households),
                (self.mem, MEM_FIELDS, parsed.members),
            ):
                if data:
                    cols = ", ".join(["row_no", "bad", *fields])
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        copy.write(data)
            if parsed.issues:
                with cur.copy(f"COPY {self.err} ({', '.join(ERR_COLS)}) FROM STDIN") as copy:
                    for issue in parsed.issues:
                        copy.write_row(
                            (
                                issue.sheet,
                                issue.row_no,
                                issue.column,
                                issue.value,
                                issue.code,
                                issue.message,
                            )
                        )
            cur.execute(
                f"UPDATE {self.prog} SET rows_done = %s, complete = %s", [rows_done, complete]
            )
            self.beat(rows_done=rows_done, stage="校验数据" if complete else "读取文件")

    # --- 2. check ----------------------------------------------------------------------------

    def add_errors(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with (
            connection.cursor() as cur,
            cur.copy(f"COPY {self.err} ({', '.join(ERR_COLS)}, phase) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row, "check"))

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
        hh_cmp = ", ".join(f"h.{c}::text[]" if c == "other_causes" else f"h.{c}" for c in HH_DB)
        hh_src = ", ".join(f"s.{c}" for c in HH_DB)
        mem_cmp = ", ".join(f"m.{c}" for c in MEM_DB)
        mem_src = ", ".join(f"s.{c}" for c in MEM_DB)
        inc_cmp = ", ".join(f"i.{c}" for c in INCOME_FIELDS)
        inc_src = ", ".join(f"s.{c}" for c in INCOME_FIELDS)
        households = self.scalar(
            f"SELECT count(*) FROM {self.hh} s WHERE NOT EXISTS (SELECT 1 FROM registry_household h"
            f" WHERE h.household_no = s.household_no AND (h.region_code, {hh_cmp})"
            f" IS NOT DISTINCT FROM (s.village_code, {hh_src}))"
        )
        members = self.scalar(
            f"SELECT count(*) FROM {self.mem} s WHERE NOT EXISTS (SELECT 1 FROM registry_member m"
            " JOIN registry_household h ON h.id = m.household_id"
            f" WHERE m.id_hash = s.id_hash AND h.household_no = s.household_no"
            f" AND ({mem_cmp}) IS NOT DISTINCT FROM ({mem_src}))"
        )
        incomes = self.scalar(
            f"SELECT count(*) FROM {self.hh} s WHERE s.income_year IS NOT NULL AND NOT EXISTS ("
            "SELECT 1 FROM registry_income i JOIN registry_household h ON h.id = i.household_id"
            " WHERE h.household_no = s.household_no AND i.year = s.income_year"
            f" AND (i.size, {inc_cmp}) IS NOT DISTINCT FROM (s.declared_size, {inc_src}))"
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
        (upsert mode): the message names that household, masked outside the jurisdiction."""
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
        today = dt.date.today()  # noqa: DTZ011
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
        transfer = sum(
            (amounts[f] for f in INCOME_FIELDS if f.startswith("transfer_")), Decimal("0")
        )
        net = (
            amounts["wage"]
            + amounts["business"]
            + amounts["property_income"]
            + transfer
            - amounts["production_costs"]
        )
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

    # --- 3. apply ----------------------------------------------------------------------------

    def apply(self) -> dict[str, int]:
        actor_id = self.actor.user_id
        batch = start_batch(
            actor=self.actor,
            kind="registry_import",
            description=f"建档立卡导入：{self.job.original_name}",
            reason=f"导入文件 {self.job.original_name}（任务 {self.job.pk}）",
        )
        counts: dict[str, int] = {}
        hh_set = ", ".join(f"{c} = s.{c}" for c in HH_DB)
        hh_cmp = ", ".join(f"h.{c}::text[]" if c == "other_causes" else f"h.{c}" for c in HH_DB)
        hh_src = ", ".join(f"s.{c}" for c in HH_DB)
        mem_set = ", ".join(f"{c} = s.{c}" for c in MEM_DB)
        mem_cmp = ", ".join(f"m.{c}" for c in MEM_DB)
        mem_src = ", ".join(f"s.{c}" for c in MEM_DB)
        inc_set = ", ".join(f"{c} = s.{c}" for c in INCOME_FIELDS)
        inc_cmp = ", ".join(f"i.{c}" for c in INCOME_FIELDS)
        inc_src = ", ".join(f"s.{c}" for c in INCOME_FIELDS)
        # A large file is joined to the registry in bulk: hash joins, never nested loops. The
        # planner's estimates for tables truncated or loaded moments ago can be wildly off
        # (a 1M-person first import once spent many minutes in a nested loop over its own
        # new households); a small upsert keeps the index lookups it needs.
        bulk = bool(
            self.scalar(
                f"SELECT count(*) >= %s FROM (SELECT FROM {self.hh} LIMIT %s) q",
                [BULK_HOUSEHOLDS, BULK_HOUSEHOLDS],
            )
        )
        if bulk:
            self.sql("SET LOCAL enable_nestloop = off")
        with bulk_audit(batch):
            if self.upsert:
                counts["households_updated"] = self.sql(
                    f"UPDATE registry_household h SET village_id = s.village_code,"
                    " region_code = s.village_code, county_code = left(s.village_code, 6),"
                    f" {hh_set}, updated_at = now(), updated_by_id = %s, version = h.version + 1,"
                    f" import_batch_id = %s FROM {self.hh} s WHERE h.household_no = s.household_no"
                    f" AND (h.region_code, {hh_cmp}) IS DISTINCT FROM (s.village_code, {hh_src})",
                    [actor_id, batch.pk],
                )
            counts["households_created"] = self.sql(
                f"INSERT INTO registry_household (village_id, region_code, county_code, household_no,"
                f" {', '.join(HH_DB)}, created_at, updated_at, created_by_id, updated_by_id, version,"
                " import_batch_id) SELECT s.village_code, s.village_code, left(s.village_code, 6),"
                f" s.household_no, {hh_src}, now(), now(), %s, %s, 1, %s FROM {self.hh} s"
                " WHERE NOT EXISTS (SELECT 1 FROM registry_household h"
                " WHERE h.household_no = s.household_no) ORDER BY s.row_no",
                [actor_id, actor_id, batch.pk],
            )
            if bulk:
                # The members and incomes are joined to the households just written: without
                # fresh statistics (a first import into an empty county has none) the planner
                # may pick a nested loop over what it thinks is an empty table.
                self.sql("ANALYZE registry_household")
            if self.upsert:
                counts["members_updated"] = self.sql(
                    f"UPDATE registry_member m SET household_id = h.id, county_code = h.county_code,"
                    f" {mem_set}, updated_at = now(), updated_by_id = %s, version = m.version + 1"
                    f" FROM {self.mem} s JOIN registry_household h ON h.household_no = s.household_no"
                    f" WHERE m.id_hash = s.id_hash AND (m.household_id, {mem_cmp})"
                    f" IS DISTINCT FROM (h.id, {mem_src})",
                    [actor_id],
                )
            counts["members_created"] = self.sql(
                "INSERT INTO registry_member (household_id, county_code, id_cipher, id_hash, id_masked,"
                f" {', '.join(MEM_DB)}, left_reason, created_at, updated_at, created_by_id,"
                " updated_by_id, version) SELECT h.id, h.county_code, s.id_cipher, s.id_hash,"
                f" s.id_masked, {mem_src}, '', now(), now(), %s, %s, 1 FROM {self.mem} s"
                " JOIN registry_household h ON h.household_no = s.household_no"
                " WHERE NOT EXISTS (SELECT 1 FROM registry_member m WHERE m.id_hash = s.id_hash)"
                " ORDER BY s.row_no",
                [actor_id, actor_id],
            )
            if self.upsert:
                counts["incomes_updated"] = self.sql(
                    f"UPDATE registry_income i SET size = s.declared_size, {inc_set},"
                    " updated_at = now(), updated_by_id = %s, version = i.version + 1"
                    f" FROM {self.hh} s JOIN registry_household h ON h.household_no = s.household_no"
                    " WHERE s.income_year IS NOT NULL AND i.household_id = h.id"
                    f" AND i.year = s.income_year AND (i.size, {inc_cmp})"
                    f" IS DISTINCT FROM (s.declared_size, {inc_src})",
                    [actor_id],
                )
            counts["incomes_created"] = self.sql(
                "INSERT INTO registry_income (household_id, county_code, year, size,"
                f" {', '.join(INCOME_FIELDS)}, created_at, updated_at, created_by_id, updated_by_id,"
                " version) SELECT h.id, h.county_code, s.income_year, s.declared_size,"
                f" {inc_src}, now(), now(), %s, %s, 1 FROM {self.hh} s"
                " JOIN registry_household h ON h.household_no = s.household_no"
                " WHERE s.income_year IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_income i"
                " WHERE i.household_id = h.id AND i.year = s.income_year)",
                [actor_id, actor_id],
            )
            # Check the deferred foreign keys now, while the rule checks still run beside
            # the apply, rather than serially at commit.
            self.sql("SET CONSTRAINTS ALL IMMEDIATE")
        if bulk:
            self.sql("SET LOCAL enable_nestloop TO DEFAULT")
        finish_batch(batch, sum(counts.values()))
        self.job.batch_id = batch.pk
        return counts

    # --- the whole run -----------------------------------------------------------------------

    def run(self) -> None:
        job = self.job
        try:
            registry_services.require_write(self.actor, job.region_code)
        except FupinError as exc:
            self.finish(ImportStatus.FAILED, f"导入人已无权修改该辖区的数据：{exc.message}")
            return
        path = job.file.path
        facts = readers.scan(path)
        self.beat(file_sha256=facts.sha256, rows_total=max(facts.rows_total, job.rows_done))
        self.create_tables()
        with connection.cursor() as cur:
            cur.execute(f"SELECT rows_done, complete FROM {self.prog}")
            done, complete = cur.fetchone()
        if not complete:
            self.beat(stage="读取文件")
            try:
                try:
                    self.stage(path, facts.encoding, done)
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise readers.HeaderError(
                        self.hh_sheet,
                        f"文件无法按 CSV 读取（编码应为 UTF-8 或 GBK/GB18030）：{exc}",
                    ) from exc
            except readers.HeaderError as exc:
                with transaction.atomic():
                    self.add_errors(
                        [(exc.sheet or self.hh_sheet, 1, "表头", "", HEADER_CODE, exc.message)]
                    )
                    self.sql(f"UPDATE {self.prog} SET complete = true")
                self.fail(header=exc.message)
                return
        if self.scalar(f"SELECT count(*) FROM {self.err} WHERE code = %s", [HEADER_CODE]):
            self.fail()
            return
        self.lap("stage")
        self.beat(stage="校验数据", rows_total=max(job.rows_done, 1))
        self.prepare()
        self.lap("index")
        cell_errors = self.scalar(f"SELECT count(*) FROM {self.err}")
        if not cell_errors:
            changes = self.changes()
            self.lap("compare")
            if not any(changes.values()):
                with transaction.atomic():
                    self.drop_tables()
                    self.finish(ImportStatus.UNCHANGED, UNCHANGED_MESSAGE)
                return
        self.cross_checks()
        self.lap("cross_checks")
        if self.scalar(f"SELECT count(*) FROM {self.err}"):
            # Report the rule errors of the households that are otherwise fine as well.
            self.beat(stage="逻辑校验")
            self.bundle_checks()
            self.fail()
            return
        self.beat(stage="逻辑校验并写入")
        # The rule checks (Python) and the set-based apply (PostgreSQL) run side by side: the
        # checks on a thread with their own connection, the apply in a transaction that is
        # rolled back if they find any error. In a caller's transaction (tests) the thread
        # could not see the staging tables, so the checks run first instead.
        parallel = not connection.in_atomic_block
        checks = _Checks(self) if parallel else None
        if checks is None:
            self.bundle_checks()
            self.lap("rules")
            if self.scalar(f"SELECT count(*) FROM {self.err}"):
                self.fail()
                return
        else:
            checks.start()
        try:
            with transaction.atomic():
                # Hold the job row so no other worker takes it over during a long apply.
                ImportJob.objects.select_for_update().filter(pk=job.pk).first()
                counts = self.apply()
                self.lap("apply")
                if checks is not None:
                    checks.wait()
                    self.lap("rules (after apply)")
                    if self.scalar(f"SELECT count(*) FROM {self.err}"):
                        raise _RuleErrors()
                summary = {**job.summary, **counts}
                households = summary.get("households_created", 0)
                message = (
                    f"导入成功：新增 {households} 户、更新 {summary.get('households_updated', 0)} 户；"
                    f"新增 {summary.get('members_created', 0)} 人、更新 {summary.get('members_updated', 0)} 人；"
                    f"新增 {summary.get('incomes_created', 0)} 条、更新 {summary.get('incomes_updated', 0)} 条年度收入"
                )
                job.summary = summary
                self.drop_tables()
                self.finish(ImportStatus.SUCCEEDED, message)
        except _RuleErrors:
            self.job.batch_id = None
            self.fail()
        except IntegrityError as exc:
            log.warning("import %s: integrity error on apply: %s", job.pk, exc)
            if checks is not None:
                checks.wait()
            self.job.batch_id = None
            self.add_errors(
                [
                    (
                        self.hh_sheet,
                        0,
                        "",
                        "",
                        "DB",
                        f"写入时与系统中的数据发生冲突，请重新导入：{_pg_detail(exc)}",
                    )
                ]
            )
            self.fail()
        finally:
            if checks is not None:
                checks.wait()

    def fail(self, header: str | None = None) -> None:
        count = self.scalar(f"SELECT count(*) FROM {self.err}") or 0
        self.beat(stage="生成错误报告")
        with tempfile.TemporaryDirectory() as tmp:
            target = str(Path(tmp) / "errors.xlsx")
            with transaction.atomic(), connection.chunked_cursor() as cur:
                order = {self.hh_sheet: 0, self.mem_sheet: 1}
                cur.execute(
                    f"SELECT {', '.join(ERR_COLS)} FROM {self.err}"
                    " ORDER BY CASE sheet WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END, row_no, col, code",
                    [next(iter(order)), self.mem_sheet],
                )
                write_error_report(target, cur)
            with open(target, "rb") as fh, transaction.atomic():
                stem = Path(self.job.original_name).stem
                self.job.error_report.save(f"{stem}-错误报告.xlsx", File(fh), save=False)
                ImportJob.objects.filter(pk=self.job.pk).update(
                    error_report=self.job.error_report.name
                )
                self.drop_tables()
                self.job.error_count = count
                message = header or (
                    f"发现 {count} 处错误，文件未导入，系统中的数据未做任何修改。"
                    "请下载错误报告逐条修改后重新导入。"
                )
                self.finish(ImportStatus.FAILED, message, error_count=count)

    def finish(self, status: str, message: str, **extra: Any) -> None:
        self.job.status = status
        self.job.message = message
        self.job.finished_at = timezone.now()
        self.job.stage = ""
        self.beat(
            status=status,
            message=message,
            finished_at=self.job.finished_at,
            stage="",
            summary=self.job.summary,
            batch_id=self.job.batch_id,
            **extra,
        )


class _RuleErrors(Exception):
    """The rule checks found errors after the apply ran: roll it back."""


class _Checks:
    """bundle_checks on a thread with its own database connection (no heartbeats: the job
    row is locked by the apply meanwhile)."""

    def __init__(self, importer: Importer):
        self.importer = importer
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.importer.bundle_checks(beat=False)
        except BaseException as exc:  # re-raised in the job's thread by wait()
            self.error = exc
        finally:
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def wait(self) -> None:
        if self.thread.ident is not None:
            self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error


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


def _pg_detail(exc: IntegrityError) -> str:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return str(getattr(diag, "message_primary", None) or exc)
