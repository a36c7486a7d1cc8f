"""Attach the request's user and client IP to the database session for the audit triggers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fupin.core.context import clear_session_context, set_session_context
from fupin.core.http import client_ip


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        # A bearer-token request is authenticated later, by the API (fupin/core/api/auth.py,
        # which sets the token user as actor); it too must leave the connection clean.
        token = "HTTP_AUTHORIZATION" in request.META
        if authenticated or token or request.method not in ("GET", "HEAD", "OPTIONS"):
            set_session_context(
                actor_id=user.pk if authenticated and user else None,
                actor_name=user.get_username() if authenticated and user else "",
                ip=client_ip(request),
            )
            try:
                return self.get_response(request)
            finally:
                clear_session_context()
        return self.get_response(request)
