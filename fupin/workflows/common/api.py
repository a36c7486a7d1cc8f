"""Shared pieces of the workflows API: the caller, input hygiene, lazy pages and presenters.

Staff responses carry the staff mask of ID numbers (`id_masked`, area code only) and masked
phones only, for every role, never a cipher; public responses carry only the masked lines
frozen on a notice (SPEC §10)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.utils import timezone

from fupin.core.access import Actor
from fupin.core.masking import mask_phone
from fupin.registry import identity
from fupin.workflows import engine
from fupin.workflows.cases import risk
from fupin.workflows.cases.models import Case, CaseDocument
from fupin.workflows.notices.models import Notice, Objection

CHANNEL_LABELS = {**dict(risk.Channel.choices), "application": "农户申请"}


# --- presenters ----------------------------------------------------------------------------------


def state_label(kind: str, state: str) -> str:
    flow = engine.FLOWS.get(kind)
    return flow.state_label(state) if flow else state


def case_item(case: Case) -> dict[str, Any]:
    household = case.household
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "kind": case.kind,
        "kind_label": engine.kind_label(case.kind),
        "state": case.state,
        "state_label": state_label(case.kind, case.state),
        "subject_level": case.subject_level,
        "region_code": case.region_code,
        "region_name": case.region.name,
        "county_code": case.county_code,
        "year": case.year,
        "title": case.title,
        "household_id": case.household_id,
        "household_no": household.household_no if household else None,
        "head_name": household.head_name if household else None,
        "channel": case.channel,
        "channel_label": CHANNEL_LABELS.get(case.channel, case.channel),
        "is_open": case.is_open,
        "state_since": case.state_since,
        "closed_at": case.closed_at,
        "created_at": case.created_at,
        "version": case.version,
    }


def safe_case_data(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """The case's recorded content with personal data masked: a new member's ID number in the
    staff form, a declarant's phone masked (for every role: SPEC §10, masked by default)."""
    out = copy.deepcopy(data or {})
    new_member = out.get("new_member")
    if isinstance(new_member, dict) and (
        new_member.get("id_number") or new_member.get("id_cipher")
    ):
        new_member["id_number"] = identity.masked_of(new_member)
        new_member.pop("id_cipher", None)
        new_member.pop("id_masked", None)
    declarant = out.get("declarant")
    if isinstance(declarant, dict):
        declarant.pop("id_number", None)
        if declarant.get("phone"):
            declarant["phone"] = mask_phone(str(declarant["phone"]))
    return out


def objection_out(objection: Objection) -> dict[str, Any]:
    """An objection for those who handle it (notices/selectors.py); the objector's phone is
    masked for everyone: showing it in full is an audited reveal."""
    phone = mask_phone(objection.phone)
    return {
        "id": objection.pk,
        "notice_id": objection.notice_id,
        "entry_id": objection.entry_id,
        "case_id": objection.case_id,
        "source": objection.source,
        "source_label": objection.get_source_display(),
        "name": objection.name,
        "phone": phone,
        "content": objection.content,
        "status": objection.status,
        "status_label": objection.get_status_display(),
        "resolution": objection.resolution,
        "resolved_at": objection.resolved_at,
        "created_at": objection.created_at,
        "version": objection.version,
    }


def document_out(document: CaseDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "case_id": document.case_id,
        "kind": document.kind,
        "kind_label": document.get_kind_display(),
        "name": document.name,
        "size": document.size,
        "note": document.note,
        "created_at": document.created_at,
    }


def stage_label(notice: Notice) -> str:
    flow = engine.FLOWS.get(notice.kind)
    if flow is None:
        return notice.stage
    for step in flow.steps:
        if step.name == notice.stage:
            return step.label
    return notice.stage


def notice_item(notice: Notice, today: dt.date | None = None) -> dict[str, Any]:
    from fupin.workflows.notices import services as notices

    return {
        "id": notice.pk,
        "notice_no": notice.notice_no,
        "kind": notice.kind,
        "kind_label": engine.kind_label(notice.kind),
        "stage": notice.stage,
        "stage_label": stage_label(notice),
        "level": notice.level,
        "level_label": notice.get_level_display(),
        "region_code": notice.region_code,
        "region_name": notice.region.name,
        "title": notice.title,
        "start_date": notice.start_date,
        "end_date": notice.end_date,
        "status": notice.status,
        "status_label": notice.get_status_display(),
        "running": notices.is_running(notice, today),
        "outcome": _outcome(notice, today),
        "entry_count": getattr(notice, "entry_count", None),
        "objection_count": getattr(notice, "objection_count", None),
    }


def _outcome(notice: Notice, today: dt.date | None) -> str:
    """notices.notice_outcome, reading the annotated objection count of a list when present."""
    from fupin.workflows.notices import services as notices

    count = getattr(notice, "objection_count", None)
    if count is None or notice.status == "withdrawn":
        return notices.notice_outcome(notice, today)
    if (today or timezone.localdate()) <= notice.end_date:
        return "公示中"
    return "公示期满，无异议" if count == 0 else f"公示期满，收到异议 {count} 件"
