"""Scoped reads of cases: every query starts from the actor's jurisdiction (notices:
fupin/workflows/notices/selectors.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from fupin.core.access import Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import NotFound
from fupin.workflows import engine
from fupin.workflows.cases.models import Case, Transition
from fupin.workflows.notices.models import Objection, ObjectionStatus


def _cases(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))


def access_case(actor: Actor, pk: int) -> Case:
    """404 when missing or outside the jurisdiction, 403 without CASE_VIEW."""
    case = (
        Case.objects.select_related("region", "household", "household__village")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound()
    actor.require(Perm.CASE_VIEW, case.region_code)
    return case


# The lists' order, served by the index case_open_region_stage (region prefix, state_since, id).
CASE_KEYS = keyset.keys("state_since", "id", state_since=dt.datetime)


@dataclass
class CaseFilters:
    kind: str = ""
    state: str = ""
    region: str = ""
    q: str = ""
    open_only: bool = True
    waiting: bool = False  # only cases waiting for one of the actor's steps


def case_list(actor: Actor, filters: CaseFilters) -> QuerySet[Case]:
    qs = _cases(actor).select_related("region", "household")
    if filters.waiting:
        qs = qs.filter(engine.acting_scope_q(actor))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.region:
        qs = qs.filter(region_code__startswith=filters.region)
    if filters.open_only:
        qs = qs.filter(is_open=True)
    if filters.q:
        qs = qs.filter(Q(case_no__icontains=filters.q) | Q(title__icontains=filters.q))
    return qs.order_by("state_since", "id")


@dataclass
class QueueCount:
    kind: str
    kind_label: str
    state: str
    state_label: str
    count: int


def queue_counts(actor: Actor) -> list[QueueCount]:
    """Cases waiting for the actor, counted per type and stage (one grouped query)."""
    rows = (
        _cases(actor)
        .filter(engine.acting_scope_q(actor), is_open=True)
        .values("kind", "state")
        .annotate(n=Count("id"))
        .order_by("kind", "state")
    )
    result = []
    for row in rows:
        flow = engine.FLOWS.get(row["kind"])
        if flow is None:
            continue
        result.append(
            QueueCount(
                row["kind"], flow.label, row["state"], flow.state_label(row["state"]), row["n"]
            )
        )
    order = {kind: i for i, kind in enumerate(engine.FLOWS)}
    result.sort(
        key=lambda c: (order.get(c.kind, 99), list(engine.FLOWS[c.kind].states).index(c.state))
    )
    return result


def timeline(case: Case) -> list[Transition]:
    return list(case.transitions.order_by("at", "id"))


def timeline_rows(case: Case) -> list[dict[str, object]]:
    """The timeline with state labels, as the case and alert pages show it
    (templates/workflows/cases/_timeline.html)."""
    flow = engine.flow_of(case.kind)
    return [
        {
            "t": t,
            "from": flow.state_label(t.from_state) if t.from_state else "",
            "to": flow.state_label(t.to_state),
        }
        for t in timeline(case)
    ]


def pending_objection_count(case: Case) -> int:
    return Objection.objects.filter(case=case, status=ObjectionStatus.PENDING).count()
