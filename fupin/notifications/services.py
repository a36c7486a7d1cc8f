"""Writes of the inbox: sending messages (and their SMS) and marking them read.

A message is written in the caller's transaction, so the recipient sees it exactly when the
change it reports commits, and never when that change rolls back; a `dedupe_key` makes
sending it again a no-op (a savepoint per recipient catches the unique constraint). The SMS
is the side effect that leaves the database: it is sent on commit (`transaction.on_commit`,
robust — a failing gateway is logged, the message stays in the inbox without `sms_sent_at`,
and the other texts still go)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.core.access import Actor

from . import selectors
from .models import Message
from .sms import sms_backend

SMS_SIGNATURE = "【精准扶贫监管平台】"


@transaction.atomic
def message_send_many(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    sms: bool = False,
) -> int:
    """Put a message in each recipient's inbox (once per dedupe key) and, with `sms`, text
    those with a phone number once the transaction commits. Returns the messages created."""
    created = 0
    for user in recipients:
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    recipient=user, kind=kind, title=title[:200], body=body, link=link,
                    dedupe_key=dedupe_key,
                )  # fmt: skip
        except IntegrityError:
            continue  # already told
        created += 1
        phone = getattr(user, "phone", "") or ""
        if sms and phone:
            text = f"{SMS_SIGNATURE}{title}"
            transaction.on_commit(_texter(message.pk, phone, text), robust=True)
    return created


def message_send(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    sms: bool = False,
) -> bool:
    """One recipient's message; False when the dedupe key says they were already told."""
    created = message_send_many(
        recipients=[recipient], kind=kind, title=title, body=body, link=link,
        dedupe_key=dedupe_key, sms=sms,
    )  # fmt: skip
    return created == 1


def message_send_to_region_roles(
    *,
    region_code: str,
    roles: Iterable[str],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    sms: bool = False,
) -> int:
    """Tell the active users holding one of `roles` exactly at `region_code`."""
    users = User.objects.filter(
        grants__region_id=region_code, grants__role_id__in=list(roles), is_active=True
    ).distinct()
    return message_send_many(
        recipients=users, kind=kind, title=title, body=body, link=link,
        dedupe_key=dedupe_key, sms=sms,
    )  # fmt: skip


def _texter(message_id: int, phone: str, text: str) -> Callable[[], None]:
    # A function, not a partial: Django names the callback (__qualname__) when it fails.
    def send_sms() -> None:
        # Runs after the commit, outside any transaction: the stamp is its own statement.
        sms_backend().send(phone, text)
        Message.objects.filter(pk=message_id).update(sms_sent_at=timezone.now())

    return send_sms


@transaction.atomic
def message_mark_read(*, actor: Actor, message_id: int) -> Message:
    """Mark one of the actor's own messages read (anyone else's is NotFound)."""
    message = selectors.access_message(actor, message_id)
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


@transaction.atomic
def message_mark_all_read(*, actor: Actor) -> int:
    return selectors.message_list(actor, unread_only=True).update(read_at=timezone.now())
