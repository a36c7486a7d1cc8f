"""Read pages: 我的待办 (queue with batch handling), 办件查询 and the case page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fupin.core.access import Actor, actor_of
from fupin.workflows import engine
from fupin.workflows.cases import selectors
from fupin.workflows.cases.forms import BatchForm, CaseFilterForm
from fupin.workflows.cases.views.common import (
    T,
    creator_grants,
    detail_context,
    may_take_somewhere,
    paginate,
    require_case_view,
    row,
)


def batch_steps(actor: Actor, kind: str, state: str) -> list[engine.Step]:
    """Steps the actor may take on every case of (kind, state) at once: no per-case inputs."""
    flow = engine.FLOWS.get(kind)
    if flow is None or state not in flow.states:
        return []
    return [s for s in flow.steps_from(state) if may_take_somewhere(actor, s) and not s.fields]


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_case_view(actor)
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    counts = selectors.queue_counts(actor)
    page = paginate(
        request,
        selectors.case_list(actor, selectors.CaseFilters(kind=kind, state=state, waiting=True)),
    )
    steps = batch_steps(actor, kind, state) if kind and state else []
    flow = engine.FLOWS.get(kind)
    context = {
        "page_title": "我的待办",
        "counts": counts,
        "total": sum(c.count for c in counts),
        "kind": kind,
        "state": state,
        "kind_label": flow.label if flow else "",
        "state_label": flow.state_label(state) if flow and state else "",
        "pager": page,
        "rows": [row(c) for c in page.items],
        "batch_form": BatchForm(initial={"kind": kind, "state": state}, steps=steps)
        if steps
        else None,
        "creatable": creatable(actor),
    }
    return render(request, T + "queue.html", context)


def creatable(actor: Actor) -> list[tuple[str, str]]:
    return [
        (flow.kind, flow.label)
        for flow in engine.FLOWS.values()
        if creator_grants(actor, flow)
        and flow.kind in ("identification", "village_exit", "county_exit")
    ]


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_case_view(actor)
    form = CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CaseFilters(
        kind=data.get("kind") or "",
        state=data.get("state") or "",
        region=(data.get("region") or "").strip(),
        q=(data.get("q") or "").strip(),
        open_only=not data.get("closed"),
    )
    page = paginate(request, selectors.case_list(actor, filters))
    context = {
        "page_title": "办件查询",
        "form": form,
        "pager": page,
        "rows": [row(c) for c in page.items],
    }
    return render(request, T + "list.html", context)


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.access_case(actor, pk)
    return render(request, T + "detail.html", detail_context(actor, case))
