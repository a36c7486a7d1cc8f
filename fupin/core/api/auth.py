"""API authentication: the browser session (with CSRF) or a bearer token.

Tokens are the accounts app's records; the platform layer only knows how to ask for the
user behind one: accounts registers a resolver (`register_token_resolver`) in its ready().
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from fupin.core.context import set_session_context
from fupin.core.http import client_ip

# token → (user, actor) or None when the token is unknown, revoked or expired
TokenResolver = Callable[[str], tuple[Any, Any] | None]
_resolver: TokenResolver | None = None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register_token_resolver(resolver: TokenResolver) -> None:
    global _resolver
    _resolver = resolver


class SessionAuth(APIKeyCookie):
    """Django session cookie; unsafe methods also need the CSRF token (ninja checks it).

    Only a request that carries the session cookie is checked: CSRF is an attack on what a
    browser sends by itself, the cookie. A request without it (a script with a bearer token,
    which no other site can make a browser send) goes on to `TokenAuth` unchecked; ninja would
    otherwise refuse every token write with "CSRF check Failed" before trying the token.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = _resolver(token) if _resolver is not None else None
        if found is None:
            return None
        user, actor = found
        request.user = user
        request.actor = actor  # type: ignore[attr-defined]
        set_session_context(actor_id=user.pk, actor_name=user.get_username(), ip=client_ip(request))
        return user


AUTH = [SessionAuth(), TokenAuth()]
