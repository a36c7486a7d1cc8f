"""API authentication: the browser session (with CSRF) or a bearer token."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from fupin.accounts.models import ApiToken
from fupin.accounts.selectors import load_actor
from fupin.audit.middleware import client_ip
from fupin.core.context import set_session_context


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionAuth(APIKeyCookie):
    """Django session cookie; unsafe methods also need the CSRF token (ninja checks it)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.actor = load_actor(row.user)  # type: ignore[attr-defined]
        set_session_context(
            actor_id=row.user.pk, actor_name=row.user.get_username(), ip=client_ip(request)
        )
        return row.user


AUTH = [SessionAuth(), TokenAuth()]
