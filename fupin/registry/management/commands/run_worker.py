"""The background worker: runs queued import jobs (and takes over stale ones), polling every
second; SIGTERM/SIGINT stop it after the current job (an interrupted job resumes later)."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from fupin.registry.io.services import next_job_id, run_job

log = logging.getLogger(__name__)


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
        while not self.stopping:
            if not connection.in_atomic_block:  # (tests run the loop inside a transaction)
                close_old_connections()
            job_id = next_job_id()
            if job_id is None:
                if options["once"]:
                    break
                time.sleep(options["interval"])
                continue
            try:
                job = run_job(job_id)
            except Exception:
                log.exception("import job %s interrupted; it will be resumed", job_id)
                time.sleep(options["interval"])
                continue
            self.stdout.write(f"导入任务 {job.pk}：{job.get_status_display()} {job.message}")
        self.stdout.write("后台任务进程已退出")
