"""Login required everywhere except an explicit public allow-list; the actor on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from fupin.core.access import Actor

from .selectors import load_actor

ACTIVE_GRANT_SESSION_KEY = "active_grant"

# Paths that never redirect to the login page: the API answers 401 itself, static files and
# the public portal are public by design.
PUBLIC_PREFIXES = ("/api/", "/static/", "/public/", "/healthz")


def get_actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "_cached_actor", None)
    if actor is None:
        active = (
            request.session.get(ACTIVE_GRANT_SESSION_KEY) if hasattr(request, "session") else None
        )
        actor = load_actor(request.user, active)
        request._cached_actor = actor  # type: ignore[attr-defined]
    return actor


class LoginRequiredMiddleware(DjangoLoginRequired):
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        super().__init__(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.actor = SimpleLazyObject(lambda: get_actor(request))  # type: ignore[attr-defined]
        return super().__call__(request)  # type: ignore[return-value]

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class MustChangePasswordMiddleware:
    """Until a user replaces an initial or reset password, every page leads to the change form.

    Must come after AuthenticationMiddleware. The API answers 403 JSON instead of redirecting.
    """

    ALLOWED_PATHS = ("/logout/", "/static/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED_PATHS)
        ):
            change_url = reverse("accounts:password_change")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "password_change_required", "message": "请先修改初始密码"},
                    status=403,
                )
            if request.path != change_url:
                return redirect(change_url)
        return self.get_response(request)
