"""The weekly digest and the deadline reminders, sent through the notifications app (the
inbox and the SMS backends are tested in fupin/notifications/tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.models import Parameter
from fupin.notifications.models import Message
from fupin.supervision import digest
from fupin.supervision.alerts import services
from fupin.supervision.models import Alert
from fupin.testing import make_user
from fupin.workflows import engine

pytestmark = pytest.mark.django_db


def noticed_alert(village: Any, county: Any, deadline: dt.date, n: int = 1) -> Alert:
    alert = services.alert_open(
        rule_code="INSPECT", rule_name="督查发现问题", subject_type="finding", subject_id=n,
        scope_id=0, label=f"问题{n}", region_code=village.code, unit_code=village.code,
        severity="medium", evidence={},
    )  # fmt: skip
    office = load_actor(make_user(f"office{n}", ("poverty_office", county.code)))
    engine.case_transition(
        actor=office, case_id=alert.case_id, step="issue_notice",
        today=deadline - dt.timedelta(days=20), data={"deadline": deadline.isoformat()},
    )  # fmt: skip
    alert.refresh_from_db()
    return alert


# --- weekly digest --------------------------------------------------------------------------------


def test_weekly_digest_figures_recipients_and_dedupe(
    village: Any, county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    leader = make_user("leader", ("poverty_office", county.code), phone="13912345678")
    jiwei = make_user("jiwei", ("discipline", county.code))
    today = timezone.localdate()
    noticed_alert(village, county, today - dt.timedelta(days=2))  # overdue
    services.alerts_escalate_overdue(today=today)
    with django_capture_on_commit_callbacks(execute=True):  # the SMS go on commit
        assert digest.send_weekly_digest(today=today) == 2  # the leader and the issuing office
    message = Message.objects.get(recipient=leader, kind="digest.weekly")
    assert "新增预警1条" in message.title and "升级督办1次" in message.title
    assert "本周新增预警：1 条" in message.body and "公示中" in message.title
    assert message.sms_sent_at is not None  # the leader has a phone
    assert not Message.objects.filter(recipient=jiwei).exists()  # not a digest role
    assert digest.send_weekly_digest(today=today) == 0  # once per week
    assert Message.objects.filter(recipient=leader, kind="digest.weekly").count() == 1
    Parameter.objects.create(key="supervision.digest_roles", value="poverty_office, discipline")
    assert digest.send_weekly_digest(today=today) == 1
    assert Message.objects.filter(recipient=jiwei, kind="digest.weekly").count() == 1
    next_week = today + dt.timedelta(days=7)
    assert digest.send_weekly_digest(today=next_week) == 3


# --- deadline reminders ---------------------------------------------------------------------------


def test_deadline_reminders_once_a_day(village: Any, county: Any, township: Any) -> None:
    cadre = make_user("cun", ("village", village.code))
    make_user("xiang", ("township", township.code))
    today = timezone.localdate()
    soon = noticed_alert(village, county, today + dt.timedelta(days=2), n=1)
    noticed_alert(village, county, today + dt.timedelta(days=10), n=2)  # not yet
    late = noticed_alert(village, county, today - dt.timedelta(days=3), n=3)
    result = digest.send_deadline_reminders(today=today)
    assert (result.due_soon, result.overdue) == (1, 1)
    titles = sorted(Message.objects.filter(recipient=cadre).values_list("title", flat=True))
    assert len(titles) == 2
    assert any("整改即将到期（还有 2 天）" in t and "问题1" in t for t in titles)
    assert any("整改已逾期 3 天" in t and "问题3" in t for t in titles)
    assert Message.objects.filter(recipient=cadre, link=f"/supervision/alerts/{soon.pk}/").exists()
    # The township is not the responsible unit of these village alerts.
    assert Message.objects.count() == 2
    assert digest.send_deadline_reminders(today=today).due_soon == 0
    assert Message.objects.count() == 2
    tomorrow = digest.send_deadline_reminders(today=today + dt.timedelta(days=1))
    assert (tomorrow.due_soon, tomorrow.overdue) == (1, 1)
    assert late.pk
