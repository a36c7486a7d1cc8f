"""Writes on API tokens: created for one's own account, revoked with the password or the
account (services.py calls `tokens_revoke_all`), always with an expiry (parameters)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from fupin.core import params
from fupin.core.access import Actor
from fupin.core.context import audit_context
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.text import clean_text

from .models import ApiToken
from .params import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS

EXPIRY_FORMAT_MESSAGE = "失效时间格式不正确，请使用如 2027-01-01T00:00:00+08:00 的格式"
_DATETIME = TypeAdapter(datetime)


def token_expiry_parse(raw: str | None) -> datetime | None:
    """An ISO 8601 expiry as submitted (any real UTC offset, or none: local time), in UTC.

    Refused in Chinese rather than failing later: an impossible offset (+25:00, +05:60), an
    impossible date, or a date that leaves the calendar once in UTC (9999-12-31T23:59-14:00).
    """
    if raw is None:
        return None
    try:
        value = _DATETIME.validate_python(raw.strip())
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (PydanticValidationError, ValueError, OverflowError) as exc:
        raise ValidationFailed(
            EXPIRY_FORMAT_MESSAGE, errors={"expires_at": [EXPIRY_FORMAT_MESSAGE]}
        ) from exc


def _token_expiry(expires_at: datetime | None) -> datetime:
    """The expiry to store: the default lifetime when none is given, never past, never
    beyond the maximum lifetime (both parameters)."""
    now = timezone.now()
    max_days = int(params.get(TOKEN_MAX_DAYS.key))
    if expires_at is None:
        return now + timedelta(days=min(int(params.get(TOKEN_DEFAULT_DAYS.key)), max_days))
    if expires_at <= now:
        raise ValidationFailed(
            "失效时间必须晚于当前时间", errors={"expires_at": ["失效时间必须晚于当前时间"]}
        )
    if expires_at > now + timedelta(days=max_days):
        message = f"失效时间最长为创建后 {max_days} 天"
        raise ValidationFailed(message, errors={"expires_at": [message]})
    return expires_at


@transaction.atomic
def token_create(
    *, actor: Actor, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A bearer token for the actor's own account; the raw value is returned only here."""
    from fupin.core.api import token_digest

    if actor.user_id is None:
        raise PermissionDenied()
    name = clean_text(name, "name", "令牌用途")
    expiry = _token_expiry(expires_at)
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=actor.user_id,
        name=name[:100],
        digest=token_digest(raw),
        prefix=raw[:8],
        expires_at=expiry,
    )
    return token, raw


def tokens_revoke_all(*, user_id: int, reason: str) -> int:
    """Revoke every live token of a user: their password or their account changed, so what
    was handed out under the old one stops working too."""
    with audit_context(reason=reason):
        return ApiToken.objects.filter(user_id=user_id, revoked=False).update(revoked=True)


@transaction.atomic
def token_revoke(*, actor: Actor, token_id: int) -> None:
    if actor.user_id is None:
        raise NotFound()
    if not ApiToken.objects.filter(pk=token_id, user_id=actor.user_id).update(revoked=True):
        raise NotFound()
