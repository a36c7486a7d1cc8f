"""Shared pieces of the supervision API: the caller, input hygiene, region names, lazy pages
and the alert presenters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from django.utils import timezone
from pydantic import Field

from fupin.core.access import Actor, Perm
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.rules import RULES, SUBJECTS
from fupin.regions.models import Region
from fupin.supervision.alerts.models import Alert, SupervisionNotice
from fupin.workflows import engine

TAGS = ["监管预警"]
# Alerts opened outside a sweep (services.open_alert) carry a code that is not a declared rule.
OTHER_RULES = {"INSPECT": "督查发现问题"}

# A row id in a JSON list: within PostgreSQL's bigint, so `pk__in` never overflows.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def require_region(actor: Actor, perm: Perm, region: str | None) -> None:
    """A region filter outside the jurisdiction is 404, like opening that region; a caller
    with no region at all for `perm` is 403."""
    if region:
        actor.require(perm, region)
    elif not actor.region_codes(perm):
        raise PermissionDenied()


def check_code(code: str | None, field: str = "region") -> None:
    if code and (not code.isdigit() or len(code) not in (2, 4, 6, 9, 12)):
        raise ValidationFailed(
            "区划代码格式不正确", errors={field: ["应为 2、4、6、9 或 12 位数字"]}
        )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


# --- alerts --------------------------------------------------------------------------------------


def rule_name(code: str) -> str:
    declared = RULES.get(code)
    return declared.name if declared else OTHER_RULES.get(code, code)


def state_label(state: str) -> str:
    return engine.flow_of("alert").state_label(state)


def is_overdue(alert: Alert, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(alert.is_open and alert.due_date is not None and alert.due_date < today)


def alert_item(alert: Alert, names: dict[str, str], today: dt.date | None = None) -> dict[str, Any]:
    case = alert.case
    return {
        "id": alert.pk,
        "case_id": alert.case_id,
        "case_no": case.case_no,
        "title": case.title,
        "rule_code": alert.rule_code,
        "rule_name": rule_name(alert.rule_code),
        "severity": alert.severity,
        "severity_label": alert.get_severity_display(),
        "subject_type": alert.subject_type,
        "subject_type_label": SUBJECTS.get(alert.subject_type, alert.subject_type),
        "subject_id": alert.subject_id,
        "subject_label": alert.subject_label,
        "household_id": alert.household_id,
        "region_code": alert.region_code,
        "region_name": names.get(alert.region_code, alert.region_code),
        "unit_code": alert.unit_code,
        "unit_name": names.get(alert.unit_code, alert.unit_code),
        "state": case.state,
        "state_label": state_label(case.state),
        "is_open": alert.is_open,
        "due_date": alert.due_date,
        "overdue": is_overdue(alert, today),
        "hit_count": alert.hit_count,
        "first_seen_at": alert.first_seen_at,
        "last_seen_at": alert.last_seen_at,
        "cleared_at": alert.cleared_at,
        "escalation_level": alert.escalation_level,
        "version": case.version,
    }


def alert_rows(alerts: list[Alert]) -> list[dict[str, Any]]:
    names = region_names([a.region_code for a in alerts] + [a.unit_code for a in alerts])
    today = timezone.localdate()
    return [alert_item(a, names, today) for a in alerts]


def notice_out(notice: SupervisionNotice, today: dt.date | None = None) -> dict[str, Any]:
    alert = notice.alert
    return {
        "id": notice.pk,
        "alert_id": notice.alert_id,
        "case_no": alert.case.case_no,
        "title": alert.case.title,
        "notice_no": notice.notice_no,
        "issuer_code": notice.issuer_code,
        "issuer_name": notice.issuer_name,
        "unit_code": notice.unit_code,
        "unit_name": notice.unit_name,
        "content": notice.content,
        "requirement": notice.requirement,
        "deadline": notice.deadline,
        "issued_on": notice.issued_on,
        "rectified": not alert.is_open,
        "overdue": is_overdue(alert, today) and notice.deadline < (today or timezone.localdate()),
    }
