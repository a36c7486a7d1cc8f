"""Read-only audit pages: event search, record history partial, batch detail.

Personal data in events is masked for everyone (`display`); on the search and batch pages a
holder of PERSONAL_DATA_VIEW may POST the same page with a reason to see it in full, which
is itself recorded (`reveal.events_reveal`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from fupin.core import masking
from fupin.core.access import Actor, actor_of
from fupin.core.errors import FupinError, NotFound, PermissionDenied

from . import selectors
from .display import present, table_label
from .forms import EventFilterForm
from .models import AuditEvent
from .reveal import can_reveal, events_reveal


def _reveal(request: HttpRequest, actor: Actor, rows: list[AuditEvent]) -> bool:
    """Whether this page shows the events in full: a POST with a reason, recorded first."""
    if request.method != "POST":
        return False
    reason = masking.reveal_reason(
        request.POST.get("reason_choice", ""), request.POST.get("reason_text", "")
    )
    return events_reveal(actor=actor, events=rows, reason=reason)


def _reveal_context(actor: Actor, revealed: bool) -> dict[str, object]:
    return {
        "can_reveal": can_reveal(actor),
        "revealed": revealed,
        "reveal_reasons": masking.REVEAL_REASONS,
    }


@require_http_methods(["GET", "POST"])
def events(request: HttpRequest) -> HttpResponse:
    actor: Actor = actor_of(request)
    form = EventFilterForm(request.GET or None)
    rows: list[AuditEvent] = []
    next_cursor, error = "", ""
    filters = form.filters() if form.is_valid() else selectors.EventFilters()
    if form.is_bound and not form.is_valid():
        error = "查询条件有误，请检查后重试"
    try:
        if form.is_bound and not form.is_valid():
            selectors.scoped_events(actor)  # still refuse an actor without the permission
        else:
            rows, next_cursor = selectors.event_list(
                actor, filters=filters, cursor=request.GET.get("cursor", "")
            )
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except FupinError as exc:
        error = exc.message
    next_query = ""
    if next_cursor:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_query = query.urlencode()
    shown = _reveal(request, actor, rows)
    return render(
        request,
        "audit/events.html",
        {
            "page_title": "审计日志",
            "form": form,
            "events": [present(e, reveal=shown) for e in rows],
            **_reveal_context(actor, shown),
            "next_query": next_query,
            "error": error,
            "first_page": not request.GET.get("cursor"),
        },
        status=422 if error else 200,
    )


def history(request: HttpRequest, table: str, pk: str) -> HttpResponse:
    """Partial for detail pages: `hx-get="{% url 'audit:history' table pk %}"`."""
    actor: Actor = actor_of(request)
    rows = selectors.record_history(actor, table=table, pk=pk)
    return render(
        request,
        "audit/history.html",
        {
            "table_label": table_label(table),
            "object_pk": pk,
            "events": [present(e) for e in rows],
        },
    )


@require_http_methods(["GET", "POST"])
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = actor_of(request)
    record, rows = selectors.access_batch(actor, pk)
    shown = _reveal(request, actor, list(rows))
    return render(
        request,
        "audit/batch.html",
        {
            "page_title": f"批量操作 #{record.pk}",
            "batch": record,
            "events": [present(e, reveal=shown) for e in rows],
            **_reveal_context(actor, shown),
        },
    )
