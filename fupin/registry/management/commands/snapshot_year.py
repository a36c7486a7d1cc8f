"""`manage.py snapshot_year 2025 [--region CODE] [--replace --reason TEXT]`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import FupinError
from fupin.registry.snapshots.services import snapshot_year


class Command(BaseCommand):
    help = "冻结年度数据：把辖区内每户在该年末的状态、成员和收入保存为年度数据（已冻结的户不变）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="年度，例如 2025")
        parser.add_argument("--region", default="", help="区划代码（默认全部）")
        parser.add_argument(
            "--replace", action="store_true", help="删除该年度已冻结的数据后重新冻结（须说明原因）"
        )
        parser.add_argument("--reason", default="", help="重新冻结的原因（记入审计）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            written = snapshot_year(
                year=options["year"],
                region_code=options["region"],
                replace=options["replace"],
                reason=options["reason"],
            )
        except FupinError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['year']}年度数据：新冻结 {written} 户（{elapsed:.1f} 秒）。"
            )
        )
