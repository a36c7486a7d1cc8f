"""Staging: the per-job tables and the file streamed into them chunk by chunk (step 1 of the
import; see the package's notes)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core import crypto
from fupin.core.access import Actor
from fupin.registry.models import Household, ImportJob, ImportMode, Income, Member

from .. import readers, workers
from ..layout import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    INCOME_FIELDS,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
)
from ..parse import (
    HH_FIELDS,
    HH_TYPES,
    MEM_FIELDS,
    MEM_TYPES,
    ChunkParser,
    ParsedChunk,
)

log = logging.getLogger(__name__)

CHUNK_ROWS = 10_000  # file rows per staging transaction (and per worker task)
PARALLEL_MIN_BYTES = 4 << 20  # smaller files are parsed in the job's own process
BUNDLE_PAGE = 5_000  # households per validation page
DUPLICATE_MESSAGES = 2_000  # per-row "already registered" messages naming the household


HH_DB = [
    f for f in HH_FIELDS if f not in ("household_no", "village_code", "income_year", *INCOME_FIELDS)
]
MEM_DB = [f for f in MEM_FIELDS if f not in ("household_no", "id_hash", "id_cipher", "id_masked")]
# The column lists that compare, copy and update staged rows (s) against the registry's
# households (h), members (m) and incomes (i).
HH_CMP = ", ".join(f"h.{c}::text[]" if c == "other_causes" else f"h.{c}" for c in HH_DB)
HH_SRC = ", ".join(f"s.{c}" for c in HH_DB)
HH_SET = ", ".join(f"{c} = s.{c}" for c in HH_DB)
MEM_CMP = ", ".join(f"m.{c}" for c in MEM_DB)
MEM_SRC = ", ".join(f"s.{c}" for c in MEM_DB)
MEM_SET = ", ".join(f"{c} = s.{c}" for c in MEM_DB)
INC_CMP = ", ".join(f"i.{c}" for c in INCOME_FIELDS)
INC_SRC = ", ".join(f"s.{c}" for c in INCOME_FIELDS)
INC_SET = ", ".join(f"{c} = s.{c}" for c in INCOME_FIELDS)
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


class Staging:
    """A job's staging tables and what every step shares: SQL helpers, laps, heartbeats."""

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

    def add_errors(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with (
            connection.cursor() as cur,
            cur.copy(f"COPY {self.err} ({', '.join(ERR_COLS)}, phase) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row, "check"))
