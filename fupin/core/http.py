"""Domain errors on pages: one place turns a FupinError into the Chinese error page.

Views let NotFound / PermissionDenied / Conflict raised by selectors and services propagate;
`DomainErrorMiddleware` renders them (404, 403, or the error's own status with its message).
Views that re-display a form with the error catch it themselves before it gets here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import FupinError, NotFound, PermissionDenied


def render_error(request: HttpRequest, exc: FupinError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return render(request, "404.html", {"page_title": "页面不存在"}, status=404)
    if isinstance(exc, PermissionDenied):
        context = {"page_title": "无权访问", "message": exc.message, "status": "403"}
        return render(request, "403.html", context, status=403)
    context = {"page_title": "操作失败", "message": exc.message, "status": str(exc.status)}
    return render(request, "403.html", context, status=exc.status)


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FupinError) and not request.path.startswith("/api/"):
            return render_error(request, exception)
        return None


def client_ip(request: HttpRequest) -> str | None:
    # Behind nginx the real address is the last hop it appends; REMOTE_ADDR otherwise.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None
