"""What the audit trail costs a write: a 10 000-row UPDATE, a 10 000-row COPY recorded row by
row, and a 100 000-row COPY in bulk mode (one summary row per statement, as imports write),
each in its own committed transaction (so the commit-time hash-chain link is included), with
the audit triggers on, then on the same table with them off (the raw no-audit ceiling).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/audit_chain.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, print_table, setup_django

ROWS = 10_000
BULK_ROWS = 100_000
COLUMNS = (
    "name, kind, sector, region_id, region_code, credit_code, contact_name, contact_phone,"
    " address, is_active, created_at, updated_at, version"
)


def region_code() -> str:
    from fupin.regions.loader import load_regions
    from fupin.regions.models import Region

    if not Region.objects.filter(code="510981").exists():
        load_regions(("5109",))
    return "510981"


def copy_rows(code: str, n: int, tag: str) -> None:
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    sql = f"COPY regions_organisation ({COLUMNS}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for i in range(n):
            copy.write_row(
                [f"{tag}{i}", "enterprise", "", code, code, "", "", "", "", True, now, now, 1]
            )


def run_case(code: str, tag: str) -> dict[str, float]:
    from django.db import connection, transaction

    from fupin.audit.models import AuditBatch
    from fupin.audit.services import bulk_audit

    times: dict[str, float] = {}
    with transaction.atomic():
        times["copy"], _ = measure(lambda: copy_rows(code, ROWS, tag))

    def update() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE regions_organisation SET address = address || '1' WHERE name LIKE %s",
                [tag + "%"],
            )

    times["update"], _ = measure(update)

    def bulk() -> None:
        batch = AuditBatch.objects.create(kind="bench", reason="基准测试")
        with bulk_audit(batch):
            copy_rows(code, BULK_ROWS, tag + "b")

    times["bulk"], _ = measure(bulk)
    return times


def triggers(enabled: bool) -> None:
    from django.db import connection

    action = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        for op in ("insert", "update", "delete"):
            cursor.execute(f'ALTER TABLE regions_organisation {action} TRIGGER "fupin_audit_{op}"')


def main() -> None:
    setup_django("fupin_bench_audit")
    from django.db import connection

    code = region_code()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE regions_organisation CASCADE")
    audited = run_case(code, "审计")
    triggers(False)
    try:
        raw = run_case(code, "无审计")
    finally:
        triggers(True)
    rows: list[list[Any]] = []
    for key, label in (
        ("copy", f"COPY {ROWS} rows, one event per row"),
        ("update", f"UPDATE {ROWS} rows"),
        ("bulk", f"COPY {BULK_ROWS} rows, bulk mode"),
    ):
        ratio = audited[key] / raw[key] if raw[key] else 0.0
        rows.append([label, f"{audited[key]:.3f}", f"{raw[key]:.3f}", f"{ratio:.2f}x"])
    print_table(
        "Audit trigger cost (seconds, one committed transaction each)",
        ["operation", "audited", "no audit", "ratio"],
        rows,
    )


if __name__ == "__main__":
    main()
