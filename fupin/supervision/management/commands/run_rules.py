"""`manage.py run_rules --region <code> [--rule R102 ...]`: sweep the rules on demand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.rules import RULES
from fupin.supervision import engine


class Command(BaseCommand):
    help = "对一个区划立即运行预警规则，并按规则列出新增、刷新、消除的预警数"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区划代码（如 510981）")
        parser.add_argument(
            "--rule", action="append", dest="rules", default=None, help="规则代码，可重复"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = options["region"].strip()
        if not region.isdigit() or len(region) not in (2, 4, 6, 9, 12):
            raise CommandError(f"区划代码不正确：{region}")
        codes = options["rules"]
        unknown = [c for c in codes or () if c not in RULES]
        if unknown:
            raise CommandError(f"未知规则：{', '.join(unknown)}")
        results = engine.sweep(region_code=region, codes=codes)
        width = max([len(r.rule) for r in results] + [4])
        self.stdout.write(f"{'rule':<{width}}  {'opened':>7}  {'refreshed':>9}  {'cleared':>7}")
        for r in results:
            self.stdout.write(
                f"{r.rule:<{width}}  {r.opened:>7}  {r.refreshed:>9}  {r.cleared:>7}  "
                f"{RULES[r.rule].name}"
            )
        self.stdout.write(
            f"{'total':<{width}}  {sum(r.opened for r in results):>7}  "
            f"{sum(r.refreshed for r in results):>9}  {sum(r.cleared for r in results):>7}"
        )
