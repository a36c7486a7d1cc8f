"""Chinese error pages; domain errors raised in views render as 403/404/409/422 pages.

The 500 handler is the last resort for an exception raised anywhere below it, so it touches
neither the database nor the context processors (menu, grants, inbox bell — all database
reads): during an outage they would fail in turn and leave gunicorn's bare English page.
A database that cannot be reached is not a bug but a 503 (fupin.core.outage); the API gets
JSON `{code, message}` like its other errors.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from fupin.core.outage import database_unavailable, unavailable_response

SERVER_ERROR = {"code": "server_error", "message": "系统出现错误，请稍后重试"}


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"page_title": "无权访问"}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"page_title": "页面不存在"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls the handler while it handles the exception: sys.exc_info() is that one.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse(SERVER_ERROR, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)
