"""Helpers shared by the case pages: the actor, who may take a step somewhere, and the
context of the case page (also re-rendered when a form on it fails)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from fupin.core import codelists
from fupin.core.access import Actor, Perm
from fupin.core.errors import PermissionDenied
from fupin.core.masking import mask_phone
from fupin.core.web.pager import Pager, keyset_pager
from fupin.core.web.reveal import reveal_box
from fupin.registry import codes, identity
from fupin.workflows import engine
from fupin.workflows.cases import criteria, privacy, risk, selectors
from fupin.workflows.cases.forms import DocumentForm, LinkForm, OverrideForm, ResolveForm, StepForm
from fupin.workflows.cases.models import Case, DocumentKind
from fupin.workflows.flows import household_exit
from fupin.workflows.notices.models import NoticeLevel, ObjectionStatus
from fupin.workflows.notices.selectors import handled_objections

T = "workflows/cases/"
PAGE_SIZE = 50
BUTTON = {"forward": "btn-primary", "back": "btn-warning", "reject": "btn-danger"}


def require_case_view(actor: Actor) -> None:
    if not actor.region_codes(Perm.CASE_VIEW):
        raise PermissionDenied("您没有查看办件的权限")


def may_take_somewhere(actor: Actor, step: engine.Step) -> bool:
    """Whether one of the actor's grants may take the step on some case (role and level)."""
    return not step.system and any(
        g.role_code in step.roles
        and g.region_level in step.levels
        and Perm.CASE_ACT in g.perms
        and not g.read_only
        for g in actor.in_use()
    )


def creator_grants(actor: Actor, flow: engine.Flow) -> list[Any]:
    return [
        g
        for g in actor.in_use()
        if g.role_code in flow.create_roles
        and g.region_level == flow.create_level
        and Perm.CASE_ACT in g.perms
        and not g.read_only
    ]


def paginate(request: HttpRequest, qs: QuerySet[Case]) -> Pager[Case]:
    """One keyset page of a case list, in the order of its index (oldest in the stage first)."""
    return keyset_pager(request, qs, selectors.CASE_KEYS, limit=PAGE_SIZE)


def row(case: Case) -> dict[str, Any]:
    flow = engine.FLOWS.get(case.kind)
    days = (timezone.now() - case.state_since).days if case.state_since else 0
    return {
        "c": case,
        "kind": flow.label if flow else case.kind,
        "state": flow.state_label(case.state) if flow else case.state,
        "days": days,
    }


# --- the case page -----------------------------------------------------------------------------


def step_bar(flow: engine.Flow, case: Case) -> list[dict[str, Any]]:
    """The procedure in order; the ends a case reaches only by rejection are shown only when
    the case is there."""
    side = {s.target for s in flow.steps if s.style == "reject"}
    states = [s for s in flow.states if s not in side or s == case.state]
    current = states.index(case.state) if case.state in states else -1
    return [
        {"code": s, "label": flow.states[s], "active": i == current, "done": i < current}
        for i, s in enumerate(states)
    ]


def step_initial(step: engine.Step, case: Case) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": case.version}
    for name in step.fields:
        if name in case.data:
            initial[name] = case.data[name]
    return initial


def steps_of(
    actor: Actor, case: Case, bound: dict[str, StepForm] | None = None
) -> list[dict[str, Any]]:
    flow = engine.flow_of(case.kind)
    result = []
    for step, failures in engine.preview(actor, case):
        form = (bound or {}).get(step.name) or StepForm(step=step, initial=step_initial(step, case))
        result.append(
            {
                "step": step,
                "form": form,
                "failures": failures,
                # A step with its own inputs (category, 两不愁) may be unblocked by them.
                "blocked": bool(failures) and not step.fields,
                "target": flow.state_label(step.target),
                "button": BUTTON.get(step.style, "btn-primary"),
                "document": DocumentKind(step.document).label if step.document else "",
                "notice": NoticeLevel(step.notice_level).label if step.notice_level else "",
            }
        )
    return result


def declarant_box(actor: Actor, case: Case) -> dict[str, Any] | None:
    """The declarant's phone, masked for every role, with the reveal box for holders of
    PERSONAL_DATA_VIEW (SPEC §10); None when the case has no declarant phone."""
    phone = privacy.declarant_phone(case)
    if not phone:
        return None
    return reveal_box(
        target=f"declarant-phone-{case.pk}",
        masked=mask_phone(phone),
        url=reverse("workflows:case_declarant_reveal", args=[case.pk]),
        label="申报人电话",
        can_reveal=actor.can(Perm.PERSONAL_DATA_VIEW, case.region_code),
    )


def data_rows(actor: Actor, case: Case) -> list[tuple[str, str]]:
    """What the case records, readable (IDs masked; phones masked without personal-data view)."""
    data = case.data or {}
    rows: list[tuple[str, str]] = []
    if data.get("reason"):
        rows.append(("申请理由 / 情况说明", str(data["reason"])))
    if case.channel:
        rows.append(("来源渠道", dict(risk.Channel.choices).get(case.channel, case.channel)))
    if "change_kind" in data:
        rows.append(("变更类型", codelists.label(codes.MemberChangeKind, data["change_kind"])))
        rows.append(("发生日期", str(data.get("occurred_on", ""))))
        names = dict(case.household.members.values_list("id", "name")) if case.household else {}
        if data.get("member_id"):
            rows.append(("离户成员", names.get(data["member_id"], str(data["member_id"]))))
        if data.get("new_head_id"):
            rows.append(("新户主", names.get(data["new_head_id"], str(data["new_head_id"]))))
        new = data.get("new_member") or {}
        if new:
            relation = codelists.label(codes.Relation, new.get("relation", ""))
            rows.append(
                (
                    "新增成员",
                    f"{new.get('name', '')}（{relation}，{identity.masked_of(new)}）",
                )
            )
    if data.get("category"):
        rows.append(("监测对象类别", codelists.label(codes.MonitoringCategory, data["category"])))
    if data.get("risk_types"):
        labels = dict(risk.RiskType.choices)
        rows.append(("风险类型", "、".join(labels.get(t, t) for t in data["risk_types"])))
    if data.get("medical_expense"):
        rows.append(("自付医疗支出", f"{data['medical_expense']} 元"))
    if data.get("measures"):
        rows.append(("帮扶措施", str(data["measures"])))
    declarant = data.get("declarant") or {}
    if declarant:
        # The phone is shown apart, masked, with its audited reveal (`declarant_box`).
        rows.append(("申报人", f"{declarant.get('name', '')}（{declarant.get('id_masked', '')}）"))
    if data.get("per_capita"):
        rows.append(("公示时人均纯收入", f"{data['per_capita']} 元"))
    if data.get("incidence"):
        rows.append(("贫困发生率", str(data["incidence"])))
    if data.get("risk_gone_on"):
        rows.append(("核实风险消除日期", str(data["risk_gone_on"])))
    return rows


def detail_context(
    actor: Actor,
    case: Case,
    *,
    step_forms: dict[str, StepForm] | None = None,
    override_form: OverrideForm | None = None,
    link_form: LinkForm | None = None,
    document_form: DocumentForm | None = None,
    resolve_forms: dict[int, ResolveForm] | None = None,
) -> dict[str, Any]:
    flow = engine.flow_of(case.kind)
    can_write = case.is_open and actor.can_write(Perm.CASE_ACT, case.region_code)
    context: dict[str, Any] = {
        "page_title": f"{flow.label} · {case.case_no}",
        "case": case,
        "flow": flow,
        "state_label": flow.state_label(case.state),
        "bar": step_bar(flow, case),
        "steps": steps_of(actor, case, step_forms) if case.is_open else [],
        "data_rows": data_rows(actor, case),
        "declarant_phone": declarant_box(actor, case),
        "can_write": can_write,
        "timeline": selectors.timeline_rows(case),
        "documents": list(case.documents.order_by("created_at", "id")),
        "document_form": document_form or DocumentForm(),
        "entries": list(
            case.notice_entries.select_related("notice").order_by("notice__start_date", "id")
        ),
        "objections": [],
        "checklist": None,
        "region_criteria": None,
        "risk": None,
        "override_form": None,
        "link_form": None,
        "override_by": None,
    }
    objections = handled_objections(
        actor, case.objections.select_related("notice", "case").order_by("created_at", "id")
    )
    context["objections"] = [
        {
            "o": o,
            "form": (resolve_forms or {}).get(o.pk) or ResolveForm(prefix=f"o{o.pk}"),
            "pending": o.status == ObjectionStatus.PENDING,
        }
        for o in objections
    ]
    if case.kind == household_exit.KIND and case.household is not None:
        checklist = household_exit.checklist(case)
        context["checklist"] = checklist
        failing = criteria.failed(checklist)
        if failing and household_exit.can_override(actor, case) and not case.override_reason:
            context["override_form"] = override_form or OverrideForm(
                initial={"version": case.version}
            )
    elif case.kind == "village_exit":
        context["region_criteria"] = criteria.village_exit_criteria(case.region_code)
    elif case.kind == "county_exit":
        context["region_criteria"] = criteria.county_exit_criteria(case.region_code)
    elif case.kind == "monitoring":
        context["risk"] = risk.score(case.household, case.data, case.year)
        if case.household is None and can_write:
            context["link_form"] = link_form or LinkForm(initial={"version": case.version})
    if case.override_reason and case.override_by_id:
        from django.contrib.auth import get_user_model

        context["override_by"] = get_user_model().objects.filter(pk=case.override_by_id).first()
    return context
