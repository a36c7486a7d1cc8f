"""Import a registry file inline: manage.py import_registry FILE --region CODE --user NAME."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.accounts.selectors import load_actor
from fupin.core.errors import FupinError
from fupin.registry.io.services import import_file
from fupin.registry.models import ImportMode, ImportStatus


class Command(BaseCommand):
    help = "导入建档立卡文件（.xlsx / .xls / .csv），全部通过校验才写入"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--region", required=True, help="导入辖区代码")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导入")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.INSERT)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"用户“{options['user']}”不存在")
        try:
            job = import_file(
                actor=load_actor(user),
                path=options["file"],
                mode=options["mode"],
                region_code=options["region"],
            )
        except FupinError as exc:
            raise CommandError(exc.message) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{options['file']}") from exc
        self.stdout.write(f"导入任务 {job.pk}：{job.get_status_display()}（{job.rows_done} 行）")
        self.stdout.write(job.message)
        if job.status == ImportStatus.FAILED:
            if job.error_report:
                self.stdout.write(f"错误报告：{job.error_report.path}")
            raise CommandError("导入失败，系统中的数据未做任何修改")
