"""The inbox pages: own messages only, read marks, unread first, the bell."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from fupin.notifications.models import Message
from fupin.notifications.services import message_send_many
from fupin.testing import client_for, make_user

pytestmark = pytest.mark.django_db


# --- inbox ----------------------------------------------------------------------------------------


def test_inbox_shows_only_own_messages_and_marks_read(db: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    message_send_many(recipients=[alice], kind="t", title="给甲的消息", link="/supervision/inbox/")
    message_send_many(recipients=[alice], kind="t", title="甲的周报", body="新增预警 3 条")
    message_send_many(recipients=[bob], kind="t", title="给乙的消息")
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
    message_send_many(recipients=[user], kind="t", title="旧的已读")
    Message.objects.update(read_at=timezone.now())
    message_send_many(recipients=[user], kind="t", title="新的未读")
    page = client_for(user).get("/supervision/inbox/").content.decode()
    assert page.index("新的未读") < page.index("旧的已读")
