"""Helpers of the alert pages: the actor, who may run a sweep, and the alert page's context
(also re-rendered when a form on it fails)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core import params
from fupin.core.access import Actor, GrantInUse, Perm
from fupin.core.rules import RULES, SEVERITIES, SUBJECTS
from fupin.supervision.alerts import selectors
from fupin.supervision.alerts.flows import FLOW
from fupin.supervision.alerts.forms import AlertStepForm, RectificationForm
from fupin.supervision.alerts.models import Alert
from fupin.workflows import engine as wf
from fupin.workflows.cases import selectors as wf_selectors

T = "supervision/alerts/"
PAGE_SIZE = 50
BUTTON = {"forward": "btn-primary", "back": "btn-warning", "reject": "btn-danger"}
# Guard messages saying the step is not the actor's at all (another unit's): such steps are
# not offered on the page instead of being shown blocked.
NOT_YOURS = ("须由责任单位办理", "须由责任单位的上级单位")
SEVERITY_BADGE = {"high": "bg-red", "medium": "bg-orange", "low": "bg-yellow"}


def sweep_grants(actor: Actor) -> list[GrantInUse]:
    """Grants that may run the rules on demand: alert work at county level or above."""
    return [
        g
        for g in actor.in_use()
        if Perm.ALERT_ACT in g.perms and not g.read_only and 1 <= g.region_level <= 3
    ]


def step_bar(alert: Alert) -> list[dict[str, Any]]:
    states = list(FLOW.states)
    current = states.index(alert.case.state) if alert.case.state in states else -1
    return [
        {"label": FLOW.states[s], "active": i == current, "done": i < current}
        for i, s in enumerate(states)
    ]


def step_initial(step: wf.Step, alert: Alert, today: dt.date) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": alert.case.version}
    if step.name == "issue_notice":
        days = int(params.get("supervision.deadline_days", region_code=alert.region_code))
        initial["deadline"] = today + dt.timedelta(days=days)
        initial["content"] = f"经预警监测发现：{alert.case.title}。请立即核实并整改。"
        initial["requirement"] = "请于整改期限前完成整改，并上传整改情况及佐证材料（照片、文件）。"
    return initial


def steps_of(
    actor: Actor, alert: Alert, bound: dict[str, AlertStepForm] | None = None
) -> list[dict[str, Any]]:
    today = selectors.today()
    result = []
    for step, failures in wf.preview(actor, alert.case, today=today):
        if any(m.startswith(NOT_YOURS) for m in failures):
            continue
        form = (bound or {}).get(step.name) or AlertStepForm(
            step=step, initial=step_initial(step, alert, today)
        )
        result.append(
            {
                "step": step,
                "form": form,
                "failures": failures,
                "blocked": bool(failures),
                "target": FLOW.state_label(step.target),
                "button": BUTTON.get(step.style, "btn-primary"),
            }
        )
    return result


def is_responsible(actor: Actor, alert: Alert) -> bool:
    return any(
        g.region_code == alert.unit_code and Perm.ALERT_ACT in g.perms and not g.read_only
        for g in actor.in_use()
    )


def detail_context(
    actor: Actor,
    alert: Alert,
    *,
    step_forms: dict[str, AlertStepForm] | None = None,
    rectification_form: RectificationForm | None = None,
) -> dict[str, Any]:
    case = alert.case
    today = selectors.today()
    item = RULES.get(alert.rule_code)
    can_rectify = (
        alert.is_open
        and case.state == "noticed"
        and is_responsible(actor, alert)
        and actor.can_write(Perm.ALERT_ACT, alert.region_code)
    )
    rectifications = list(
        alert.rectifications.select_related("verified_by")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )
    return {
        "page_title": f"预警 · {case.case_no}",
        "alert": alert,
        "case": case,
        "rule": item,
        "rule_label": selectors.rule_label(alert.rule_code),
        "subject_type": SUBJECTS.get(alert.subject_type, alert.subject_type),
        "severity": SEVERITIES.get(alert.severity, alert.severity),
        "severity_badge": SEVERITY_BADGE.get(alert.severity, "bg-secondary"),
        "responsible": selectors.responsible_label(item) if item else "",
        "unit_name": selectors.region_name(alert.unit_code),
        "region_name": selectors.region_name(alert.region_code),
        "state_label": FLOW.state_label(case.state),
        "bar": step_bar(alert),
        "evidence": [(str(k), v) for k, v in (alert.evidence or {}).items()],
        "overdue": alert.is_open and alert.due_date is not None and alert.due_date < today,
        "overdue_days": (today - alert.due_date).days if alert.due_date else 0,
        "escalations": list(alert.escalations.order_by("-at", "-id")),
        "notices": list(alert.notices.order_by("issued_on", "id")),
        "rectifications": rectifications,
        "steps": steps_of(actor, alert, step_forms) if alert.is_open else [],
        "can_rectify": can_rectify,
        "rectification_form": rectification_form or RectificationForm(),
        "pending": next((r for r in rectifications if r.result == ""), None),
        "timeline": wf_selectors.timeline_rows(case),
    }
