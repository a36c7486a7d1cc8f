"""Staff notice pages (公示/公告): the list in the jurisdiction, one notice with its entries and
objections, registering an objection received on paper or by phone, and the printable PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.masking import mask_phone
from fupin.core.web.pager import keyset_pager
from fupin.workflows import engine
from fupin.workflows.notices import pdf, selectors
from fupin.workflows.notices import services as notices
from fupin.workflows.notices.models import Notice, NoticeEntry, NoticeLevel

T = "workflows/notices/"
PAGE_SIZE = 30


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.region_codes(Perm.CASE_VIEW):
        raise PermissionDenied()
    region = (request.GET.get("region") or "").strip()
    if region and not region.isdigit():
        region = ""
    if region:
        actor.require(Perm.CASE_VIEW, region)  # as the API: 404 for a region not theirs
    running = request.GET.get("running") == "1"
    qs = selectors.notice_list(actor, region=region, running_only=running)
    page = keyset_pager(request, qs, selectors.NOTICE_KEYS, limit=PAGE_SIZE)
    rows = [
        {
            "n": n,
            "kind_label": engine.kind_label(n.kind),
            "outcome": notices.notice_outcome(n),
            "running": notices.is_running(n),
        }
        for n in page.items
    ]
    context = {
        "page_title": "公示公告",
        "rows": rows,
        "pager": page,
        "region": region,
        "running": running,
    }
    return render(request, T + "list.html", context)


def _detail_context(
    actor: Actor, notice: Notice, form_data: dict[str, Any] | None = None
) -> dict[str, Any]:
    # Only the caller's entries, numbered among themselves, and only the objections they
    # handle (notices/selectors.py): a township reading a county notice sees its own part.
    entries = selectors.visible_entries(actor, notice)
    objections = selectors.notice_objections(actor, notice)
    partial = not actor.can(Perm.CASE_VIEW, notice.region_code)
    position = {e.pk: i for i, e in enumerate(entries, start=1)}
    lines = [e.published for e in entries]
    has_household = any("head" in ln for ln in lines)
    return {
        "page_title": notice.title,
        "notice": notice,
        "kind_label": engine.kind_label(notice.kind),
        "outcome": notices.notice_outcome(notice),
        "running": notices.is_running(notice),
        "entries": [{"e": e, "no": position[e.pk], "line": e.published} for e in entries],
        "partial_total": notice.entries.count() if partial else None,
        "objections": [
            {
                "o": o,
                "no": position.get(o.entry_id) if o.entry_id else None,
                "phone": mask_phone(o.phone),
            }
            for o in objections
        ],
        # A village's own notice names the village in its title: no column repeating it.
        "show_region": notice.level != NoticeLevel.VILLAGE or not has_household,
        "has_extras": any(k in ln for ln in lines for k in ("per_capita", "incidence", "category")),
        "can_register": any(actor.can_write(Perm.CASE_ACT, e.case.region_code) for e in entries),
        "form": form_data or {},
        "errors": (form_data or {}).get("errors", {}),
    }


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    notice = selectors.access_notice(actor, pk)
    return render(request, T + "detail.html", _detail_context(actor, notice))


@require_POST
def notice_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """Register an objection received off-line; the case goes back to verification."""
    actor = actor_of(request)
    notice = selectors.access_notice(actor, pk)
    data = notices.ObjectionInput(
        content=request.POST.get("content", ""),
        name=request.POST.get("name", ""),
        phone=request.POST.get("phone", ""),
        entry_id=_int_or_none(request.POST.get("entry")),
    )
    try:
        objection = notices.objection_submit(notice_id=notice.pk, data=data, actor=actor)
    except ValidationFailed as exc:
        form = {
            "content": data.content,
            "name": data.name,
            "phone": data.phone,
            "entry": data.entry_id,
            "message": exc.message,
            "errors": exc.errors,
        }
        context = _detail_context(actor, notice, form)
        return render(request, T + "detail.html", context, status=200)
    case = objection.case
    if case is not None and case.is_open:
        case.refresh_from_db(fields=["state"])
        state = engine.flow_of(case.kind).state_label(case.state)
        messages.success(
            request,
            f"已登记异议（编号 {objection.pk}）。办件 {case.case_no} 已撤出公示名单，"
            f"退回“{state}”环节重新核实。",
        )
    else:
        messages.success(request, f"已登记异议（编号 {objection.pk}）。")
    return redirect("workflows:notice_detail", pk=notice.pk)


@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    notice = selectors.access_notice(actor, pk)
    return pdf_response(notice, selectors.visible_entries(actor, notice))


def pdf_response(notice: Notice, entries: list[NoticeEntry] | None = None) -> HttpResponse:
    """The notice as a PDF: all of it (the public page), or the caller's `entries` of it."""
    response = HttpResponse(pdf.notice_pdf(notice, entries=entries), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.notice_no}.pdf"'
    return response
