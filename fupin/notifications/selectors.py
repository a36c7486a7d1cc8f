"""Reads of the inbox. Messages are personal: every read is scoped to the actor's own user, so
another user's message is 404 whatever their grants and region."""

from __future__ import annotations

from django.db.models import F, QuerySet

from fupin.core.access import Actor
from fupin.core.errors import NotFound

from .models import Message


def message_list(actor: Actor, *, unread_only: bool = False) -> QuerySet[Message]:
    """The actor's messages, newest first."""
    messages = Message.objects.filter(recipient_id=actor.user_id)
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages


def message_inbox(actor: Actor) -> QuerySet[Message]:
    """The inbox page's order: unread first, then newest first."""
    return message_list(actor).order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")


def message_unread_count(actor: Actor) -> int:
    return message_list(actor, unread_only=True).count()


def access_message(actor: Actor, pk: int) -> Message:
    message = message_list(actor).filter(pk=pk).first() if actor.user_id is not None else None
    if message is None:
        raise NotFound("消息不存在")
    return message
