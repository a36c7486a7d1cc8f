"""Inbox (own messages only), weekly digest, deadline reminders, SMS backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.models import Parameter
from fupin.supervision import digest, notify, services
from fupin.supervision.models import Alert, Message
from fupin.testing import client_for, make_user
from fupin.workflows import engine

pytestmark = pytest.mark.django_db


def noticed_alert(village: Any, county: Any, deadline: dt.date, n: int = 1) -> Alert:
    alert = services.open_alert(
        rule_code="INSPECT", rule_name="督查发现问题", subject_type="finding", subject_id=n,
        scope_id=0, label=f"问题{n}", region_code=village.code, unit_code=village.code,
        severity="medium", evidence={},
    )  # fmt: skip
    office = load_actor(make_user(f"office{n}", ("poverty_office", county.code)))
    engine.transition(
        actor=office, case_id=alert.case_id, step="issue_notice",
        today=deadline - dt.timedelta(days=20), data={"deadline": deadline.isoformat()},
    )  # fmt: skip
    alert.refresh_from_db()
    return alert


# --- inbox ----------------------------------------------------------------------------------------


def test_inbox_shows_only_own_messages_and_marks_read(db: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    notify.send([alice], kind="t", title="给甲的消息", link="/supervision/inbox/")
    notify.send([alice], kind="t", title="甲的周报", body="新增预警 3 条")
    notify.send([bob], kind="t", title="给乙的消息")
    client = client_for(alice)
    page = client.get("/supervision/inbox/").content.decode()
    assert "给甲的消息" in page and "给乙的消息" not in page
    assert 'data-testid="unread-badge">2<' in page  # the bell in the top bar
    own = Message.objects.get(title="给甲的消息")
    other = Message.objects.get(title="给乙的消息")
    assert client.get(f"/supervision/inbox/{other.pk}/").status_code == 404
    response = client.get(f"/supervision/inbox/{own.pk}/")
    assert response.status_code == 302 and response["Location"] == "/supervision/inbox/"
    own.refresh_from_db()
    assert own.read_at is not None
    digest_page = client.get(f"/supervision/inbox/{Message.objects.get(title='甲的周报').pk}/")
    assert "新增预警 3 条" in digest_page.content.decode()
    assert client.post("/supervision/inbox/read-all/").status_code == 302
    assert not Message.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Message.objects.filter(recipient=bob, read_at__isnull=True).count() == 1
    assert client.get("/supervision/inbox/read-all/").status_code == 405


def test_unread_come_first(db: Any) -> None:
    user = make_user("carol")
    notify.send([user], kind="t", title="旧的已读")
    Message.objects.update(read_at=timezone.now())
    notify.send([user], kind="t", title="新的未读")
    page = client_for(user).get("/supervision/inbox/").content.decode()
    assert page.index("新的未读") < page.index("旧的已读")


# --- weekly digest --------------------------------------------------------------------------------


def test_weekly_digest_figures_recipients_and_dedupe(village: Any, county: Any) -> None:
    leader = make_user("leader", ("poverty_office", county.code), phone="13912345678")
    jiwei = make_user("jiwei", ("discipline", county.code))
    today = timezone.localdate()
    noticed_alert(village, county, today - dt.timedelta(days=2))  # overdue
    services.escalate_overdue(today=today)
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


# --- SMS backends ---------------------------------------------------------------------------------


def test_file_backend_masks_the_phone(
    db: Any, tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.FUPIN_VAR_DIR = tmp_path
    monkeypatch.setenv("FUPIN_SMS_BACKEND", "file")
    user = make_user("dave", phone="13912345678")
    assert notify.send([user], kind="t", title="整改即将到期", sms=True) == 1
    line = (tmp_path / "sms.log").read_text(encoding="utf-8")
    assert "【精准扶贫监管平台】整改即将到期" in line
    assert "13912345678" not in line and "139" in line
    assert Message.objects.get(recipient=user).sms_sent_at is not None
    no_phone = make_user("erin")
    notify.send([no_phone], kind="t", title="无手机", sms=True)
    assert Message.objects.get(recipient=no_phone).sms_sent_at is None


class FakeResponse:
    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def test_http_backend_posts_json_with_token(db: Any, monkeypatch: Any) -> None:
    sent: list[Any] = []

    def fake_urlopen(request: Any, timeout: float) -> FakeResponse:
        sent.append(request)
        return FakeResponse(200)

    monkeypatch.setenv("FUPIN_SMS_BACKEND", "http")
    monkeypatch.setenv("FUPIN_SMS_URL", "https://sms.example.gov.cn/send")
    monkeypatch.setenv("FUPIN_SMS_TOKEN", "secret-token")
    monkeypatch.setattr(notify.urllib.request, "urlopen", fake_urlopen)
    user = make_user("frank", phone="13912345678")
    notify.send([user], kind="t", title="预警逾期升级", sms=True)
    assert len(sent) == 1
    request = sent[0]
    assert request.full_url == "https://sms.example.gov.cn/send"
    assert request.get_header("Authorization") == "Bearer secret-token"
    assert json.loads(request.data) == {
        "phone": "13912345678",
        "text": "【精准扶贫监管平台】预警逾期升级",
    }


def test_http_backend_raises_on_gateway_error(monkeypatch: Any) -> None:
    monkeypatch.setenv("FUPIN_SMS_URL", "https://sms.example.gov.cn/send")
    monkeypatch.setattr(
        notify.urllib.request, "urlopen", lambda request, timeout: FakeResponse(500)
    )
    with pytest.raises(RuntimeError, match="500"):
        notify.HttpBackend().send("13912345678", "测试")
