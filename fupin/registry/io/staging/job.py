"""The whole run of an import job: stage, check, and apply only with zero errors; the error
report otherwise."""

from __future__ import annotations

import csv
import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fupin.core.errors import FupinError
from fupin.registry import services as registry_services
from fupin.registry.models import ImportJob, ImportStatus
from fupin.registry.signals import households_imported

from .. import marks, readers, workers
from ..report import write_error_report
from .apply import Applying
from .base import ERR_COLS, HEADER_CODE
from .checks import Checking
from .session import Heartbeat, configure_session, job_session

log = logging.getLogger(__name__)

UNCHANGED_MESSAGE = "文件内容与系统中的数据一致，未做任何修改"
UNREADABLE_FILE = "文件无法按 CSV 读取（编码应为 UTF-8 或 GBK/GB18030），请检查文件后重新导入"
WORKER_CRASHED = (
    "文件解析进程意外退出（可能是服务器内存不足），文件未导入，系统中的数据未做任何修改。"
    "请稍后重新上传；如仍失败，请按乡镇或村拆分后分别导入"
)
WORKER_CRASHED_CODE = "W01"
GAVE_UP_CODE = "W02"
# Codes that refuse the whole file (readers.HeaderError): a resumed job stops at them.
WHOLE_FILE_CODES = (HEADER_CODE, readers.NO_DATA_CODE, marks.INCOMPLETE_CODE)
KEEPALIVE_SECONDS = 30.0  # the apply's transaction is never idle longer while it waits


class Importer(Checking, Applying):
    """One import job from start (or resume) to its end: succeeded, unchanged or failed."""

    def run(self) -> None:
        with job_session():
            self._run()

    def _run(self) -> None:
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
                except csv.Error as exc:  # the header record (data records are row errors)
                    raise readers.HeaderError(self.hh_sheet, UNREADABLE_FILE) from exc
            except readers.HeaderError as exc:
                # The whole file is refused: the one reason replaces the cell errors of any
                # rows staged before it was found (an incomplete export is found at its end).
                column = "表头" if exc.code == HEADER_CODE else ""
                with transaction.atomic():
                    self.sql(f"TRUNCATE {self.err}")
                    self.add_errors(
                        [(exc.sheet or self.hh_sheet, 1, column, "", exc.code, exc.message)]
                    )
                    self.sql(f"UPDATE {self.prog} SET complete = true")
                self.fail(header=exc.message)
                return
            except workers.WorkerCrashed as exc:
                log.error("import %s: %s", job.pk, exc)
                self.add_errors([(self.hh_sheet, 0, "", "", WORKER_CRASHED_CODE, WORKER_CRASHED)])
                self.fail(header=WORKER_CRASHED)
                return
        if self.scalar(
            f"SELECT count(*) FROM {self.err} WHERE code = ANY(%s)", [list(WHOLE_FILE_CODES)]
        ):
            self.fail()
            return
        # From here on the job runs a few long statements: a thread keeps its heartbeat
        # fresh (not in a caller's transaction, tests, where the job row is not committed).
        if connection.in_atomic_block:
            self._check_and_apply()
            return
        with Heartbeat(int(job.pk)):
            self._check_and_apply()

    def _check_and_apply(self) -> None:
        job = self.job
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
                # No lock on the job row: the heartbeat thread keeps it fresh meanwhile, so
                # no other worker takes the job over.
                counts = self.apply()
                self.lap("apply")
                if checks is not None:
                    checks.wait(keepalive=lambda: self.scalar("SELECT 1"))
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
                if any(counts.values()):
                    self.announce()
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

    def give_up(self, message: str) -> None:
        """End a job interrupted too often (services.MAX_ATTEMPTS): failed, with a report
        that says so; the staging of the abandoned attempts is dropped (partial, its cell
        errors would mislead)."""
        self.create_tables()
        self.sql(f"TRUNCATE {self.err}")
        self.add_errors([(self.hh_sheet, 0, "", "", GAVE_UP_CODE, message)])
        self.fail(header=message)

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

    def announce(self) -> None:
        """Tell the other domains, once the apply has committed, that the import's
        jurisdiction changed (supervision sweeps its household rules). Robust: a failing
        listener is logged and the import stays a success (the nightly sweep catches up)."""
        region_code, job_id = self.job.region_code, self.job.pk
        transaction.on_commit(
            lambda: households_imported.send(
                sender=ImportJob, region_code=region_code, job_id=job_id
            ),
            robust=True,
        )

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
    """bundle_checks on a thread with its own database connection (no heartbeats of its own:
    the Heartbeat thread beats meanwhile)."""

    def __init__(self, importer: Importer):
        self.importer = importer
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            configure_session()
            self.importer.bundle_checks(beat=False)
        except BaseException as exc:  # re-raised in the job's thread by wait()
            self.error = exc
        finally:
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def wait(self, keepalive: Callable[[], object] | None = None) -> None:
        """Wait for the checks; `keepalive` runs every KEEPALIVE_SECONDS meanwhile (so the
        apply's transaction, waiting here, is not ended as idle)."""
        if self.thread.ident is not None:
            self.thread.join(KEEPALIVE_SECONDS if keepalive else None)
            while self.thread.is_alive():
                assert keepalive is not None
                keepalive()
                self.thread.join(KEEPALIVE_SECONDS)
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def _pg_detail(exc: IntegrityError) -> str:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return str(getattr(diag, "message_primary", None) or exc)
