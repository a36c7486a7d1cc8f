"""The household detail page's "办件" tab: the household's cases and buttons to open the
household case types the actor may start (registered from WorkflowsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fupin.core.access import Actor, Perm
from fupin.registry import codes
from fupin.registry.tabs import register_tab
from fupin.workflows import engine
from fupin.workflows.cases.models import Case

STARTABLE = ("household_exit", "return_poverty", "member_change", "monitoring")


def _allowed_by_status(kind: str, status: str) -> bool:
    if kind == "household_exit":
        return status in codes.POOR_STATUSES
    if kind == "return_poverty":
        return status == codes.Status.EXITED
    return status not in (codes.Status.REMOVED, codes.Status.DISSOLVED, codes.Status.APPLICANT)


def household_cases(request: HttpRequest, actor: Actor, household: Any) -> dict[str, Any]:
    cases = list(
        Case.objects.filter(
            actor.scope_q(Perm.CASE_VIEW, "region_code"), household=household
        ).order_by("-created_at", "-id")[:200]
    )
    rows = []
    for case in cases:
        flow = engine.FLOWS.get(case.kind)
        rows.append(
            {
                "c": case,
                "kind": flow.label if flow else case.kind,
                "state": flow.state_label(case.state) if flow else case.state,
            }
        )
    open_kinds = {c.kind for c in cases if c.is_open}
    starts = []
    for kind in STARTABLE:
        flow = engine.FLOWS[kind]
        if (
            kind not in open_kinds
            and _allowed_by_status(kind, household.status)
            and engine.acting_grant(
                actor, flow.create_roles, flow.create_level, household.region_code
            )
            is not None
        ):
            starts.append((kind, {"member_change": "成员变更"}.get(kind, flow.label)))
    return {"case_rows": rows, "case_starts": starts}


register_tab(
    "办件",
    "workflows/cases/_household_tab.html",
    household_cases,
    Perm.CASE_VIEW,
    key="cases",
    order=120,
)
