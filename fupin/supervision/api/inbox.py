"""The caller's own inbox (站内消息): messages are personal, so another user's message is 404
whatever the region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.pagination import paginate

from fupin.core.api import LazyPage, Pagination, Schema, actor_of
from fupin.core.errors import NotFound

from ..models import Message
from .common import TAGS

router = Router(tags=TAGS)


class MessageOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    sms_sent: bool


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "title": message.title,
        "body": message.body,
        "link": message.link,
        "created_at": message.created_at,
        "read_at": message.read_at,
        "sms_sent": message.sms_sent_at is not None,
    }


@router.get("/inbox", response=list[MessageOut], summary="我的消息")
@paginate(Pagination)
def inbox(request: HttpRequest, unread: bool = Query(False, description="只看未读")) -> Any:
    actor = actor_of(request)
    qs = Message.objects.filter(recipient_id=actor.user_id)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return LazyPage(qs, lambda rows: [message_out(m) for m in rows])


@router.post("/inbox/{message_id}/read", response=MessageOut, summary="标记消息已读")
def mark_read(request: HttpRequest, message_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    message = Message.objects.filter(pk=message_id, recipient_id=actor.user_id).first()
    if message is None or actor.user_id is None:
        raise NotFound("消息不存在")
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message_out(message)
