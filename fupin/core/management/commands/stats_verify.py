"""`manage.py stats_verify`: recompute every rollup from raw rows and report differences.

Exit status 1 when a figure differs (nightly: the scheduler's daily run calls `stats.nightly`);
`--rebuild` then recomputes the figures that differ, `--figure` narrows the check."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core import stats


class Command(BaseCommand):
    help = "核对统计汇总：按原始数据重算每个指标，报告不一致之处"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--figure", action="append", help="只核对该指标（可重复）")
        parser.add_argument("--rebuild", action="store_true", help="重建不一致的指标")

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["figure"] or [f.name for f in stats.figures()]
        differences = stats.verify(names)
        for d in differences:
            self.stdout.write(
                f"{d.figure} 层级{d.level} 区划{d.region_code or '全部'} 期间{d.period}"
                f" {d.dims}: 应为 {d.expected}，汇总为 {d.stored}"
            )
        if not differences:
            self.stdout.write(f"{len(names)} 个指标与原始数据一致")
            return
        if options["rebuild"]:
            stats.rebuild(sorted({d.figure for d in differences}))
            self.stdout.write("已重建不一致的指标")
        raise CommandError(f"{len({d.figure for d in differences})} 个指标与原始数据不一致")
