"""系统预警: manage.py monitoring_scan --region CODE --year YEAR opens a monitoring case for every
exited or ordinary household of the region whose per-capita income of the year is below the
monitoring line and that has no open monitoring case (running it again opens none twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.core.errors import FupinError
from fupin.regions.models import Region
from fupin.workflows.cases import services


class Command(BaseCommand):
    help = "防返贫系统预警：收入低于监测标准的已脱贫户、一般农户自动纳入监测流程"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--region", required=True, help="扫描范围（省、市、县、乡镇或村代码）")
        parser.add_argument("--year", type=int, help="收入年度（默认上一年）")
        parser.add_argument("--limit", type=int, default=5000, help="本次最多开启的办件数")

    def handle(self, *args: Any, **options: Any) -> None:
        code = str(options["region"]).strip()
        region = Region.objects.filter(code=code).only("code", "name").first()
        if region is None:
            raise CommandError(f"区划代码“{code}”不存在")
        year = options["year"] or timezone.localdate().year - 1
        if not 2000 <= year <= 2100:
            raise CommandError("年度不正确")
        if options["limit"] < 1:
            raise CommandError("--limit 应为正整数")
        try:
            result = services.monitoring_scan(
                region_code=region.code, year=year, limit=options["limit"]
            )
        except FupinError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{region.name} {year} 年系统预警：新开启监测办件 {result.created} 件"
            + (f"，跳过 {result.skipped} 户" if result.skipped else "")
        )
