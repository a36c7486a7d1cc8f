"""`manage.py run_scheduler [--once]`: the supervision scheduler (see fupin/supervision/scheduler.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.supervision import scheduler


class Command(BaseCommand):
    help = "每天定时运行预警规则巡检、到期提醒、逾期升级和重点工作周报"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="立即运行今天尚未运行的任务一次后退出"
        )
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="按该日期运行（测试用）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"] or options["today"]:
            report = scheduler.run_due(today=options["today"])
            for line in report.lines():
                self.stdout.write(line)
            return
        self.stdout.write("监管调度进程已启动（每分钟检查一次）")

        def write(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        scheduler.loop(write=write)
