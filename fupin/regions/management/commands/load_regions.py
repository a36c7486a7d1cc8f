from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.regions.loader import load_regions
from fupin.regions.models import Level


class Command(BaseCommand):
    help = "载入国家统计局 2023 年统计用区划代码（五级）。可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            help="只载入该区划代码（2/4/6/9 位）及其下级，可重复；缺省载入全国",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            counts = load_regions(options["province"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        parts = "，".join(
            f"{Level(level).label} {counts.get(level, 0)}" for level in sorted(Level.values)
        )
        self.stdout.write(f"区划载入完成（{elapsed:.1f} 秒）：{parts}")
