"""The case detail as the API shows it: the flow's states, the caller's next steps with their
guard messages, the exit checklist, the risk score, the household, override and objections."""

from __future__ import annotations

from typing import Any

from fupin.core.access import Actor
from fupin.workflows import engine
from fupin.workflows.cases import criteria, risk
from fupin.workflows.cases.models import Case
from fupin.workflows.common.api import case_item, objection_out, safe_case_data
from fupin.workflows.common.presenters import step_out
from fupin.workflows.flows import household_exit
from fupin.workflows.notices.models import Objection
from fupin.workflows.notices.selectors import handled_objections


def _checklist(case: Case) -> list[criteria.Criterion] | None:
    if case.kind == household_exit.KIND and case.household is not None:
        return household_exit.checklist(case)
    if case.kind == "village_exit":
        return criteria.village_exit_criteria(case.region_code)
    if case.kind == "county_exit":
        return criteria.county_exit_criteria(case.region_code)
    return None


def _risk(case: Case) -> dict[str, Any] | None:
    if case.kind != "monitoring":
        return None
    result = risk.score(case.household, case.data, case.year)
    return {
        "score": result.score,
        "level": result.level,
        "factors": [f.__dict__ for f in result.factors],
    }


def _household(case: Case) -> dict[str, Any] | None:
    household = case.household
    if household is None:
        return None
    head = household.members.filter(relation="head", left_on__isnull=True).first()
    return {
        "id": household.pk,
        "household_no": household.household_no,
        "head_name": household.head_name,
        "head_id_masked": head.id_masked if head else "",
        "status": household.status,
        "status_label": household.get_status_display(),
        "village_name": household.village.name,
        "declared_size": household.declared_size,
    }


def case_detail(actor: Actor, case: Case) -> dict[str, Any]:
    flow = engine.flow_of(case.kind)
    checklist = _checklist(case)
    objections = list(
        Objection.objects.filter(case=case)
        .select_related("case")
        .order_by("-created_at", "-id")[:100]
    )
    override = None
    if case.override_reason:
        override = {
            "reason": case.override_reason,
            "by": case.override_by.username if case.override_by else "",
            "at": case.override_at,
            "failures": case.override_failures or [],
        }
    return {
        **case_item(case),
        "flow_label": flow.label,
        "flow_summary": flow.summary,
        "states": [{"code": code, "label": label} for code, label in flow.states.items()],
        "data": safe_case_data(actor, case.data),
        "household": _household(case),
        "steps": [step_out(flow, step, messages) for step, messages in engine.preview(actor, case)],
        "checklist": [c.__dict__ for c in checklist] if checklist is not None else None,
        "risk": _risk(case),
        "override": override,
        "can_override": household_exit.can_override(actor, case),
        # Who objected only for those who handle it; the pending count (a total) for all.
        "objections": [objection_out(o) for o in handled_objections(actor, objections)],
        "pending_objections": sum(1 for o in objections if o.status == "pending"),
    }
