"""The inbox pages: one's own messages only (anyone else's is 404), unread first; opening a
message marks it read and follows its link."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from fupin.core.access import actor_of

from . import selectors, services

PER_PAGE = 50


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = Paginator(selectors.message_inbox(actor), PER_PAGE).get_page(request.GET.get("page"))
    unread = selectors.message_unread_count(actor)
    return render(
        request,
        "notifications/inbox.html",
        {"page_title": "消息", "page": page, "unread": unread},
    )


@require_GET
def message(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.message_mark_read(actor=request.actor, message_id=pk)  # type: ignore[attr-defined]
    link = item.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return render(request, "notifications/message.html", {"page_title": item.title, "item": item})


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.message_mark_all_read(actor=request.actor)  # type: ignore[attr-defined]
    return redirect("notifications:inbox")
