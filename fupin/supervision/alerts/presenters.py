"""The alert detail as the API shows it: the household, the 督办 notices, rectifications with
their files, escalations and the caller's next steps with their guard messages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fupin.core.rules import RULES
from fupin.supervision.alerts.models import Alert, Rectification
from fupin.supervision.common.api import alert_item, notice_out, region_names, rule_name
from fupin.workflows import engine
from fupin.workflows.common.presenters import step_out


def _household(alert: Alert) -> dict[str, Any] | None:
    household = alert.household
    if household is None:
        return None
    return {
        "id": household.pk,
        "household_no": household.household_no,
        "head_name": household.head_name,
        "status_label": household.get_status_display(),
        "village_name": household.village.name,
    }


def _rectification(r: Rectification) -> dict[str, Any]:
    verifier = r.verified_by
    return {
        "id": r.pk,
        "content": r.content,
        "result": r.result,
        "result_label": r.get_result_display(),
        "verification": r.verification,
        "verified_by": verifier.label if verifier else "",
        "verified_at": r.verified_at,
        "created_at": r.created_at,
        "files": [
            {"id": f.pk, "name": f.name, "size": f.size, "is_photo": f.is_photo}
            for f in r.files.all()
        ],
    }


def alert_detail(actor: Any, alert: Alert) -> dict[str, Any]:
    case = alert.case
    flow = engine.flow_of("alert")
    escalations = list(alert.escalations.order_by("at", "id"))
    notices = list(alert.notices.order_by("issued_on", "id"))
    rectifications = list(
        alert.rectifications.select_related("verified_by")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )
    names = region_names(
        [alert.region_code, alert.unit_code]
        + [e.from_code for e in escalations]
        + [e.to_code for e in escalations]
    )
    today = timezone.localdate()
    declared = RULES.get(alert.rule_code)
    for notice in notices:
        notice.alert = alert
    return {
        **alert_item(alert, names, today),
        "rule_description": declared.description if declared else rule_name(alert.rule_code),
        "evidence": alert.evidence or {},
        "states": [{"code": code, "label": label} for code, label in flow.states.items()],
        "household": _household(alert),
        "escalations": [
            {
                "id": e.pk,
                "from_code": e.from_code,
                "from_name": names.get(e.from_code, e.from_code),
                "to_code": e.to_code,
                "to_name": names.get(e.to_code, e.to_code),
                "overdue_days": e.overdue_days,
                "at": e.at,
            }
            for e in escalations
        ],
        "notices": [notice_out(n, today) for n in notices],
        "rectifications": [_rectification(r) for r in rectifications],
        "steps": [step_out(flow, step, messages) for step, messages in engine.preview(actor, case)],
    }
