"""Notifications: the in-app inbox and an SMS sender with pluggable backends.

`FUPIN_SMS_BACKEND` chooses the backend: `console` (default: the text goes to the log),
`file` (appended to `var/sms.log`) or `http` (POST JSON {phone, text} to `FUPIN_SMS_URL` with
the bearer token `FUPIN_SMS_TOKEN` — the shape most government SMS gateways accept; adapt
`HttpBackend.send` for another). Phone numbers are masked in every log line."""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.core.masking import mask_phone

from .models import Message

log = logging.getLogger("fupin.sms")


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


class FileBackend:
    def send(self, phone: str, text: str) -> None:
        path = Path(getattr(settings, "FUPIN_VAR_DIR", "var")) / "sms.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{stamp}\t{mask_phone(phone)}\t{text}\n")


class HttpBackend:
    def send(self, phone: str, text: str) -> None:
        url = os.environ["FUPIN_SMS_URL"]
        body = json.dumps({"phone": phone, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator configures the URL
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {os.environ.get('FUPIN_SMS_TOKEN', '')}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


Backend = ConsoleBackend | FileBackend | HttpBackend
BACKENDS: dict[str, type[Backend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "http": HttpBackend,
}


def sms_backend() -> Backend:
    return BACKENDS[os.environ.get("FUPIN_SMS_BACKEND", "console")]()


def send(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    sms: bool = False,
) -> int:
    """Put a message in each user's inbox (once per dedupe key) and optionally text them."""
    created = 0
    for user in users:
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
            sms_backend().send(phone, f"【精准扶贫监管平台】{title}")
            Message.objects.filter(pk=message.pk).update(sms_sent_at=timezone.now())
    return created


def to_region_roles(
    *, region_code: str, roles: Iterable[str], kind: str, title: str, body: str = "",
    link: str = "", dedupe_key: str = "", sms: bool = False,
) -> int:  # fmt: skip
    """Notify the users holding one of `roles` exactly at `region_code`."""
    from fupin.accounts.models import User

    users = User.objects.filter(
        grants__region_id=region_code, grants__role_id__in=list(roles), is_active=True
    ).distinct()
    return send(users, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key, sms=sms)
