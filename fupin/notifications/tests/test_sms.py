"""SMS backends and the SMS sent on commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from fupin.notifications import sms
from fupin.notifications.models import Message
from fupin.notifications.services import message_send_many
from fupin.testing import make_user

pytestmark = pytest.mark.django_db


# --- SMS backends ---------------------------------------------------------------------------------


def test_file_backend_masks_the_phone(
    db: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.FUPIN_SMS_BACKEND = "file"
    user = make_user("dave", phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        assert message_send_many(recipients=[user], kind="t", title="整改即将到期", sms=True) == 1
    line = (tmp_path / "sms.log").read_text(encoding="utf-8")
    assert "【精准扶贫监管平台】整改即将到期" in line
    assert "13912345678" not in line and "139" in line
    assert Message.objects.get(recipient=user).sms_sent_at is not None
    no_phone = make_user("erin")
    with django_capture_on_commit_callbacks(execute=True):
        message_send_many(recipients=[no_phone], kind="t", title="无手机", sms=True)
    assert Message.objects.get(recipient=no_phone).sms_sent_at is None


class FakeResponse:
    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def test_http_backend_posts_json_with_token(
    db: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[Any] = []

    def fake_urlopen(request: Any, timeout: float) -> FakeResponse:
        sent.append(request)
        return FakeResponse(200)

    settings.FUPIN_SMS_BACKEND = "http"
    settings.FUPIN_SMS_URL = "https://sms.example.gov.cn/send"
    settings.FUPIN_SMS_TOKEN = "secret-token"
    monkeypatch.setattr(sms.urllib.request, "urlopen", fake_urlopen)
    user = make_user("frank", phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        message_send_many(recipients=[user], kind="t", title="预警逾期升级", sms=True)
    assert len(sent) == 1
    request = sent[0]
    assert request.full_url == "https://sms.example.gov.cn/send"
    assert request.get_header("Authorization") == "Bearer secret-token"
    assert json.loads(request.data) == {
        "phone": "13912345678",
        "text": "【精准扶贫监管平台】预警逾期升级",
    }


def test_http_backend_raises_on_gateway_error(settings: Any, monkeypatch: Any) -> None:
    settings.FUPIN_SMS_URL = "https://sms.example.gov.cn/send"
    monkeypatch.setattr(sms.urllib.request, "urlopen", lambda request, timeout: FakeResponse(500))
    with pytest.raises(RuntimeError, match="500"):
        sms.HttpBackend().send("13912345678", "测试")


# --- on commit ------------------------------------------------------------------------------------


def test_sms_waits_for_the_commit_and_never_follows_a_rollback(
    db: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    texts: list[tuple[str, str]] = []

    class Recorder:
        def send(self, phone: str, text: str) -> None:
            texts.append((phone, text))

    settings.FUPIN_SMS_BACKEND = "recorder"
    sms.BACKENDS["recorder"] = Recorder  # type: ignore[assignment]
    try:
        user = make_user("gina", phone="13912345678")
        with django_capture_on_commit_callbacks() as callbacks:
            message_send_many(recipients=[user], kind="t", title="待提交", sms=True)
            assert texts == []  # nothing leaves before the commit
        assert len(callbacks) == 1
        callbacks[0]()
        assert texts == [("13912345678", "【精准扶贫监管平台】待提交")]
        assert Message.objects.get(recipient=user).sms_sent_at is not None

        with (
            django_capture_on_commit_callbacks() as dropped,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            message_send_many(recipients=[user], kind="t", title="回滚", sms=True)
            raise RuntimeError("the change fails")
        assert dropped == [] and not Message.objects.filter(title="回滚").exists()
    finally:
        del sms.BACKENDS["recorder"]


def test_a_failing_gateway_keeps_the_message_and_the_other_texts(
    db: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    answers = iter([500, 200])
    monkeypatch.setattr(
        sms.urllib.request, "urlopen", lambda request, timeout: FakeResponse(next(answers))
    )
    settings.FUPIN_SMS_BACKEND = "http"
    settings.FUPIN_SMS_URL = "https://sms.example.gov.cn/send"
    first = make_user("hank", phone="13912345678")
    second = make_user("ivy", phone="13987654321")
    with django_capture_on_commit_callbacks(execute=True):
        assert message_send_many(recipients=[first, second], kind="t", title="逾期", sms=True) == 2
    assert Message.objects.get(recipient=first).sms_sent_at is None
    assert Message.objects.get(recipient=second).sms_sent_at is not None
