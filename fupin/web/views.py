"""Home page: the actor's jurisdiction summary; the health check."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.core.access import actor_of
from fupin.web.selectors import jurisdiction_summary


def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request, "web/home.html", {"page_title": "首页", "summary": jurisdiction_summary(actor)}
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
