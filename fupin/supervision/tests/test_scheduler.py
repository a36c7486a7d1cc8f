"""The scheduler runs each daily job once per day (markers + advisory locks); run_rules."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditBatch
from fupin.notifications.models import Message
from fupin.supervision import scheduler
from fupin.supervision.alerts import services
from fupin.supervision.models import Escalation
from fupin.testing import make_user
from fupin.workflows import engine
from fupin.workflows.conftest import make_household

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def overdue_alert(village: Any, county: Any) -> Any:
    office = load_actor(make_user("xian", ("poverty_office", county.code)))
    make_household(office, village)
    alert = services.alert_open(
        rule_code="INSPECT", rule_name="督查发现问题", subject_type="finding", subject_id=1,
        scope_id=0, label="问题", region_code=village.code, unit_code=village.code,
        severity="medium", evidence={},
    )  # fmt: skip
    today = timezone.localdate()
    engine.case_transition(
        actor=office, case_id=alert.case_id, step="issue_notice",
        today=today - dt.timedelta(days=20), data={"deadline": str(today - dt.timedelta(days=2))},
    )  # fmt: skip
    return alert


def run_once() -> str:
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    return out.getvalue()


def test_once_runs_sweep_and_escalation_exactly_once_a_day(
    overdue_alert: Any, county: Any, village: Any
) -> None:
    make_user("cun", ("village", village.code))
    first = run_once()
    assert f"巡检县：{county.code}" in first and "逾期升级：1 条预警" in first
    second = run_once()
    assert "巡检县：无" in second and "跳过" in second and "逾期升级" in second
    sweeps = AuditBatch.objects.filter(
        kind="supervision.sweep", description=f"预警规则巡检 {county.code}"
    )
    assert sweeps.count() == 1 and sweeps.get().finished_at is not None
    assert AuditBatch.objects.filter(kind="supervision.escalate").count() == 1
    assert AuditBatch.objects.filter(kind="supervision.reminders").count() == 1
    assert Escalation.objects.filter(alert=overdue_alert).count() == 1
    # The overdue reminder went out before the escalation moved the deadline, once.
    assert Message.objects.filter(kind="alert.overdue").count() == 1


def test_digest_runs_on_its_weekday_only(overdue_alert: Any) -> None:
    today = timezone.localdate()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    tuesday = monday + dt.timedelta(days=1)
    out = StringIO()
    call_command("run_scheduler", "--today", tuesday.isoformat(), stdout=out)
    assert "周报" not in out.getvalue()
    call_command("run_scheduler", "--today", monday.isoformat(), stdout=out)
    assert "重点工作周报：1 条消息" in out.getvalue()
    assert Message.objects.filter(kind="digest.weekly").count() == 1


def test_a_held_lock_skips_the_job(overdue_alert: Any, county: Any) -> None:
    from django.db import connections

    # Another session (another scheduler) holds the sweep lock.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            key = (
                scheduler.zlib.crc32(f"supervision.sweep:预警规则巡检 {county.code}".encode())
                & 0x7FFFFFFF
            )
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [scheduler.LOCK_NAMESPACE, key])
        report = scheduler.run_due()
        assert report.swept == [] and f"巡检{county.code}" in report.skipped
        with other.cursor() as cursor:  # released now, not whenever the server notices the
            cursor.execute(  # closed connection (a race the PostgreSQL 15 run lost once)
                "SELECT pg_advisory_unlock(%s, %s)", [scheduler.LOCK_NAMESPACE, key]
            )
    finally:
        other.close()
    assert scheduler.run_due().swept == [county.code]


def test_is_due_from_the_sweep_hour() -> None:
    base = dt.datetime(2026, 3, 2, 1, 30, tzinfo=timezone.get_current_timezone())
    assert not scheduler.is_due(base)
    assert scheduler.is_due(base + dt.timedelta(hours=1))


def test_run_rules_prints_a_table(overdue_alert: Any, county: Any) -> None:
    out = StringIO()
    call_command("run_rules", "--region", county.code, "--rule", "R102", "--rule", "R103",
                 stdout=out)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["rule", "opened", "refreshed", "cleared"]
    assert lines[1].startswith("R102") and lines[2].startswith("R103")
    assert lines[-1].startswith("total")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="未知规则"):
        call_command("run_rules", "--region", county.code, "--rule", "R999")
