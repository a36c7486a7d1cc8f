from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.regions.models import Region
from fupin.registry.validation import all_rules
from fupin.registry.validation.sweep import sweep


class Command(BaseCommand):
    help = "逻辑校验疑点排查：对辖区内全部贫困户运行校验规则，更新疑点清单（每晚定时执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region", default="", help="只排查该区划代码（2/4/6/9/12 位）下的贫困户；缺省为全部"
        )
        parser.add_argument(
            "--if-no-doubts",
            action="store_true",
            help="该辖区已有疑点记录时不再排查（make run 首次启动时在后台补做排查）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region_code = (options["region"] or "").strip()
        if region_code and not Region.objects.filter(code=region_code).exists():
            raise CommandError(f"区划代码“{region_code}”不存在")
        if options["if_no_doubts"]:
            from fupin.registry.models import Doubt

            if Doubt.objects.filter(region_code__startswith=region_code).exists():
                self.stdout.write("该辖区已有疑点记录，跳过排查")
                return
        started = time.monotonic()
        result = sweep(region_code=region_code)
        elapsed = time.monotonic() - started
        names = {r.code: r.name for r in all_rules()}
        self.stdout.write(
            f"逻辑校验完成（{elapsed:.1f} 秒）：校验 {result.households} 户，"
            f"发现疑点 {result.doubts} 条"
        )
        for code, count in sorted(result.by_rule.items()):
            self.stdout.write(f"  {code} {names.get(code, '')}：{count} 条")
