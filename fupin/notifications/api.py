"""The caller's own inbox (站内消息) under /api/v1/supervision/inbox — the path it has always
had. Messages are personal, so another user's message is 404 whatever the region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from fupin.core.access import actor_of
from fupin.core.api import Pagination, Schema

from . import selectors, services
from .models import Message

router = Router(tags=["消息"])


class MessageOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    sms_sent: bool

    @staticmethod
    def resolve_sms_sent(message: Message) -> bool:
        return message.sms_sent_at is not None


@router.get("/inbox", response=list[MessageOut], summary="我的消息")
@paginate(Pagination)
def inbox(request: HttpRequest, unread: bool = Query(False, description="只看未读")) -> Any:
    return selectors.message_list(actor_of(request), unread_only=unread)


@router.post("/inbox/{message_id}/read", response=MessageOut, summary="标记消息已读")
def mark_read(request: HttpRequest, message_id: int) -> Message:
    return services.message_mark_read(actor=actor_of(request), message_id=message_id)
