"""`manage.py load_demo`: the demo county 射洪市 and its demo logins (idempotent)."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.demo.services import DEMO_PASSWORD, DEMO_PROVINCE, demo_logins, load_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [headers, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(_pad(str(c), w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


class Command(BaseCommand):
    help = "加载演示县（四川省遂宁市射洪市）的区划、村情、组织、指挥体系和演示账号；可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-province",
            action="store_true",
            help="不加载四川省全省区划（射洪市区划须已加载）",
        )
        parser.add_argument(
            "--households",
            type=int,
            default=None,
            help="演示建档立卡户数（默认约 18000；0 表示不加载建档立卡数据）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        loaded = load_demo(
            province=None if options["no_province"] else DEMO_PROVINCE,
            households=options["households"],
        )
        elapsed = time.monotonic() - started
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"演示数据已加载（{elapsed:.1f} 秒）。"))
        else:
            self.stdout.write(f"演示数据已存在，未做改动（{elapsed:.1f} 秒）。")
        rows = [
            [r["username"], r["phone"], r["real_name"], r["role"], r["region"], DEMO_PASSWORD]
            for r in demo_logins()
        ]
        self.stdout.write("\n演示账号（也可用手机号登录）：")
        self.stdout.write(
            format_table(["用户名", "手机号", "姓名", "角色", "管辖区划", "密码"], rows)
        )
