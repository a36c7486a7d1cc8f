"""The background worker: runs queued import jobs (and takes over stale ones), polling every
second; SIGTERM/SIGINT stop it after the current job (an interrupted job resumes later).

The database going away (a restart, a failover) does not end it: it waits, longer each time
up to MAX_BACKOFF seconds, and goes on polling once the server answers again; the job it was
running is resumed from its last committed chunk once its heartbeat is stale."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)

from fupin.registry.io.services import next_job_id, run_job

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class Command(BaseCommand):
    help = "后台任务进程：处理排队中的导入任务"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="处理完当前排队的任务后退出")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False

        def stop(signum: int, frame: Any) -> None:
            self.stopping = True
            self.stdout.write("收到停止信号，当前任务完成后退出")

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("后台任务进程已启动")
        interval: float = options["interval"]
        backoff = interval
        while not self.stopping:
            try:
                if not connection.in_atomic_block:  # (tests run the loop inside a transaction)
                    close_old_connections()
                job_id = next_job_id()
            except (OperationalError, InterfaceError) as exc:
                backoff = self.wait_for_database(exc, backoff, interval)
                continue
            if job_id is None:
                if options["once"]:
                    break
                self.sleep(interval)
                continue
            try:
                job = run_job(job_id)
            except (OperationalError, InterfaceError) as exc:
                log.warning("import job %s interrupted by the database; it will be resumed", job_id)
                backoff = self.wait_for_database(exc, backoff, interval)
                continue
            except Exception:
                log.exception("import job %s interrupted; it will be resumed", job_id)
                self.sleep(interval)
                continue
            backoff = interval
            self.stdout.write(f"导入任务 {job.pk}：{job.get_status_display()} {job.message}")
        self.stdout.write("后台任务进程已退出")

    def wait_for_database(self, exc: Exception, backoff: float, interval: float) -> float:
        """Drop the broken connection, wait `backoff` seconds; returns the next wait."""
        log.warning("database unavailable (%s); retrying in %.0f s", str(exc).strip(), backoff)
        with contextlib.suppress(DatabaseError):  # closing a broken connection
            connection.close()
        self.sleep(backoff)
        return min(max(backoff, interval) * 2, MAX_BACKOFF)

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up for SIGTERM within a fraction of a second."""
        end = time.monotonic() + seconds
        while not self.stopping and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))
