from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.registry.io.services import import_files_sweep


class Command(BaseCommand):
    help = "清理导入文件：删除已结束导入任务的上传文件和过期的错误报告（每日定时执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", default="", help="按该日期（YYYY-MM-DD）计算保留期")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"日期“{options['today']}”格式应为 YYYY-MM-DD") from exc
        reports, uploads = import_files_sweep(today=today)
        self.stdout.write(f"导入文件清理完成：删除错误报告 {reports} 份、上传文件 {uploads} 个")
