"""The inbox: one's own messages only (anyone else's is 404), unread first; opening a message
marks it read and follows its link."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from fupin.core.errors import NotFound

from ..models import Message

PER_PAGE = 50


def _own(request: HttpRequest) -> QuerySet[Message]:
    return Message.objects.filter(recipient_id=request.user.pk)


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    messages = _own(request).order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
    page = Paginator(messages, PER_PAGE).get_page(request.GET.get("page"))
    unread = _own(request).filter(read_at__isnull=True).count()
    return render(
        request,
        "supervision/inbox/inbox.html",
        {"page_title": "消息", "page": page, "unread": unread},
    )


@require_GET
def message(request: HttpRequest, pk: int) -> HttpResponse:
    item = _own(request).filter(pk=pk).first()
    if item is None:
        raise NotFound("消息不存在")
    if item.read_at is None:
        Message.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())
    link = item.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return render(
        request, "supervision/inbox/message.html", {"page_title": item.title, "item": item}
    )


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    _own(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("supervision:inbox")
