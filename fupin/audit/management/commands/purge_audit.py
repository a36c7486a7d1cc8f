"""Delete audit events older than the retention period (parameter audit.retention_days), as
the maintenance role (FUPIN_DB_MAINT_URL; without one, the owner): the application's role
may delete no audit row at all."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.audit.services import purge_expired
from fupin.core.database import as_role


class Command(BaseCommand):
    help = "清理超过保留期的审计记录（保留期由参数 audit.retention_days 设置，不少于 180 天）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="保留天数（不得少于参数设定的保留期）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with as_role("maint"):
            deleted, days = purge_expired(days=options["days"])
        self.stdout.write(f"已删除 {deleted} 条超过 {days} 天保留期的审计记录")
