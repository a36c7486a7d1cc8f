"""The supervision scheduler: once a day (at `supervision.sweep_hour`) it sweeps the rules
over every county that has households, sends the deadline reminders, escalates overdue
alerts, removes ended imports' files and expired error reports
(`registry.io.services.import_files_sweep`) and, on `supervision.digest_weekday`, sends the
weekly digest. Every minute it also starts an import worker for a job left without one
(`registry.io.services.import_jobs_watch`: its worker died, or never started), so an
interrupted import resumes without anyone running a command; the import runs in that
worker process, not here (minutes of CPU and its own parse processes, which would hold up
the daily jobs and put the scheduler at risk of what happens to an import).

No table of its own: each job runs under a PostgreSQL advisory lock (so two schedulers never
run it at the same time) and leaves an audit batch row (kind `supervision.*`, finished) as its
"ran today" marker, checked again once the lock is held (so the second scheduler skips it).
The sweep's marker is the batch `engine.sweep` writes itself, one per county.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from fupin.core import params, stats
from fupin.registry.io.services import import_files_sweep, import_jobs_watch
from fupin.supervision import digest, engine
from fupin.supervision.alerts import services

log = logging.getLogger("fupin.scheduler")

LOCK_NAMESPACE = 7105  # first key of the two-key advisory locks of this module
SWEEP_KIND = "supervision.sweep"
SWEEP_DESCRIPTION = "预警规则巡检 {}"  # as engine.sweep writes it
TICK_SECONDS = 60


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Try the session-level advisory lock `name`; yields whether it was acquired."""
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, key])
        row = cursor.fetchone()
    acquired = bool(row and row[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, key])


def _day_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


def ran_on(kind: str, description: str, today: dt.date) -> bool:
    """Whether a batch of `kind` with `description` finished on `today` (local time)."""
    from fupin.audit.models import AuditBatch

    start, end = _day_bounds(today)
    return AuditBatch.objects.filter(
        kind=kind, description=description, finished_at__gte=start, finished_at__lt=end
    ).exists()


def _marked(kind: str, description: str, run: Callable[[], int]) -> int:
    """Run a job inside its own marker batch (finished only when the job succeeded)."""
    from fupin.audit.services import batch_finish, batch_start
    from fupin.core.access import system_actor

    batch = batch_start(
        actor=system_actor(),
        kind=kind,
        description=description,
        reason="监管调度任务",
    )
    count = run()
    batch_finish(batch, count)
    return count


def counties_with_households() -> list[str]:
    from fupin.registry.models import Household

    return sorted(Household.objects.order_by().values_list("county_code", flat=True).distinct())


@dataclass
class RunReport:
    today: dt.date
    swept: list[str] = field(default_factory=list)
    escalated: int | None = None
    reminders: int | None = None
    digests: int | None = None
    import_files: int | None = None
    stats_differences: int | None = None
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.today:%Y-%m-%d} 巡检县：{', '.join(self.swept) or '无'}"]
        if self.reminders is not None:
            out.append(f"到期提醒：{self.reminders} 条预警")
        if self.escalated is not None:
            out.append(f"逾期升级：{self.escalated} 条预警")
        if self.digests is not None:
            out.append(f"重点工作周报：{self.digests} 条消息")
        if self.import_files is not None:
            out.append(f"导入文件清理：{self.import_files} 个文件")
        if self.stats_differences is not None:
            out.append(f"统计汇总核对：{self.stats_differences} 个指标与原始数据不一致")
        if self.skipped:
            out.append(f"已运行或正在运行，跳过：{', '.join(self.skipped)}")
        return out


def _job(report: RunReport, name: str, kind: str, description: str, today: dt.date,
         run: Callable[[], int]) -> int | None:  # fmt: skip
    if ran_on(kind, description, today):
        report.skipped.append(name)
        return None
    with advisory_lock(f"{kind}:{description}") as acquired:
        if not acquired or ran_on(kind, description, today):
            report.skipped.append(name)
            return None
        return _marked(kind, description, run)


def run_due(*, today: dt.date | None = None) -> RunReport:
    """Run every daily job not yet run `today` (and the digest on its weekday)."""
    today = today or timezone.localdate()
    report = RunReport(today=today)
    day = f"{today:%Y-%m-%d}"
    for county in counties_with_households():
        description = SWEEP_DESCRIPTION.format(county)
        if ran_on(SWEEP_KIND, description, today):
            report.skipped.append(f"巡检{county}")
            continue
        with advisory_lock(f"{SWEEP_KIND}:{description}") as acquired:
            if not acquired or ran_on(SWEEP_KIND, description, today):
                report.skipped.append(f"巡检{county}")
                continue
            engine.sweep(region_code=county, today=today)
            report.swept.append(county)
    # Reminders first: escalation moves an overdue alert's deadline to a new period.
    report.reminders = _job(
        report, "到期提醒", "supervision.reminders", day, today,
        lambda: _reminder_count(today),
    )  # fmt: skip
    report.escalated = _job(
        report, "逾期升级", "supervision.escalate", day, today,
        lambda: services.alerts_escalate_overdue(today=today).escalated,
    )  # fmt: skip
    report.import_files = _job(
        report, "导入文件清理", "registry.import_files", day, today,
        lambda: sum(import_files_sweep(today=today)),
    )  # fmt: skip
    # After the sweep and the day's transitions: fold the rollups' deltas and verify them.
    report.stats_differences = _job(
        report, "统计汇总核对", "core.stats_verify", day, today, stats.nightly
    )
    if today.isoweekday() == int(params.get("supervision.digest_weekday")):
        report.digests = _job(
            report, "周报", "supervision.digest", digest.week_label(today), today,
            lambda: digest.send_weekly_digest(today=today),
        )  # fmt: skip
    return report


def _reminder_count(today: dt.date) -> int:
    result = digest.send_deadline_reminders(today=today)
    return result.due_soon + result.overdue


def is_due(now: dt.datetime) -> bool:
    """The daily run starts at the sweep hour (and catches up later that day)."""
    local = timezone.localtime(now)
    return local.hour >= int(params.get("supervision.sweep_hour"))


def loop(
    *, write: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Tick every minute: fold the statistics rollups' deltas and start a worker for an import
    job left without one; once the sweep hour has come, run the jobs not yet run today. A
    failed tick (the database restarting) is logged and the next one tries again."""
    while True:
        try:
            # Fold the rollups' appended deltas, so a dashboard sums a minute's worth at most.
            stats.compact()
        except Exception:
            log.exception("stats compaction failed")
        try:
            if import_jobs_watch() is not None:
                write(f"{timezone.localtime():%Y-%m-%d %H:%M} 已启动后台任务进程处理中断的导入任务")
        except Exception:
            log.exception("import job watch failed")
        try:
            now = timezone.now()
            if is_due(now):
                report = run_due(today=timezone.localdate(now))
                if report.swept or any(
                    v is not None for v in (report.reminders, report.escalated, report.digests)
                ):
                    for line in report.lines():
                        write(f"{timezone.localtime(now):%Y-%m-%d %H:%M} {line}")
        except Exception:  # a failed run is retried at the next tick; the loop survives
            log.exception("scheduler run failed")
        finally:
            connection.close()  # no idle connection (nor advisory lock) held between ticks
        sleep(TICK_SECONDS)
