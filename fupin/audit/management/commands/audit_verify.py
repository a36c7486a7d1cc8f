"""Prove the audit trail: every event's hash and every link of the chain (fupin.audit.verify).

Exits with status 1 on any finding. Prints the head hash: record it somewhere the database's
administrators cannot write (a signed log, a printout), so a later rewrite of the whole
chain shows too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fupin.audit.verify import chain_verify


class Command(BaseCommand):
    help = "核验审计记录的校验链：发现被修改、被删除、伪造的记录和断开的链条时以状态 1 退出"

    def handle(self, *args: Any, **options: Any) -> None:
        result = chain_verify()
        self.stdout.write(f"已核验 {result.events} 条审计记录、{result.links} 个校验环")
        if result.anchor is not None:
            self.stdout.write(f"起点：校验环 #{result.anchor}（更早的记录已按保留期清理）")
        self.stdout.write(f"链头校验值：{result.head or '（尚无记录）'}（请另行记录备查）")
        for finding in result.findings:
            self.stderr.write(finding)
        if not result.ok:
            self.stderr.write(f"发现 {len(result.findings)} 处问题：审计记录可能被篡改")
            raise SystemExit(1)
        self.stdout.write("校验通过：审计记录完整，未被篡改")
