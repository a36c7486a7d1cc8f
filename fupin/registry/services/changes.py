"""Member changes (SPEC §3 dynamic adjustment): birth, death, marriage, move, correction,
with reason and evidence; leaving members keep their record and the household size follows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.core import uploads
from fupin.core.access import Actor
from fupin.core.errors import ValidationFailed
from fupin.core.text import clean_text
from fupin.registry import codes, selectors
from fupin.registry.models import Household, Member, MemberChange
from fupin.registry.services.common import (
    _apply_member_fields,
    _build_member,
    _check_household,
    _full_clean,
    _integrity_message,
    _refuse_duplicate,
    _sync_size,
    audit_reason,
    recheck,
    require_write,
)
from fupin.registry.validation import Issue

EVIDENCE = uploads.Accept(
    suffixes=(".pdf", ".jpg", ".jpeg", ".png"),
    label="PDF、JPG、PNG",
    max_mb=uploads.DOCUMENT_MAX_MB,
    what="证明材料",
    field="evidence",
    wrong_suffix="证明材料只能是 PDF、JPG 或 PNG 文件",
    wrong_suffix_field="只能上传 PDF、JPG 或 PNG 文件",
)


def _current_members(household: Household) -> list[Member]:
    return list(household.members.filter(left_on__isnull=True).order_by("id"))


def _check_evidence(evidence: Any) -> None:
    uploads.check(evidence, EVIDENCE)


@transaction.atomic
def member_change(
    *,
    actor: Actor,
    household_id: int,
    kind: str,
    occurred_on: dt.date,
    reason: str,
    evidence: Any = None,
    member_id: int | None = None,
    new_member: dict[str, Any] | None = None,
    new_head_id: int | None = None,
) -> tuple[MemberChange, list[Issue]]:
    """Record a natural change of the household's members and apply it.

    Joining kinds add `new_member` (joined on the date); leaving kinds end `member_id`'s
    membership (kept on record, no longer counted); a correction sets `new_member`'s fields on
    `member_id` with old and new values in the record. The head leaves only when `new_head_id`
    names the current member who takes over. declared_size follows the member count.
    """
    household = selectors.access_household(actor, household_id)
    require_write(actor, household.region_code)
    if kind not in codes.MemberChangeKind.values:
        raise ValidationFailed("变更类型无效", errors={"kind": ["请选择变更类型"]})
    reason = clean_text(reason, "reason", "变更原因")
    if occurred_on > timezone.localdate():
        raise ValidationFailed("发生日期不能晚于今天", errors={"occurred_on": ["不能晚于今天"]})
    if evidence:
        _check_evidence(evidence)
    try:
        change = _apply_change(
            actor,
            household,
            kind,
            occurred_on,
            reason,
            evidence,
            member_id,
            new_member,
            new_head_id,
        )
    except IntegrityError as exc:
        raise _integrity_message(exc) from exc
    warnings = _check_household(household)
    recheck(household)
    return change, warnings


def _apply_change(
    actor: Actor,
    household: Household,
    kind: str,
    occurred_on: dt.date,
    reason: str,
    evidence: Any,
    member_id: int | None,
    new_member: dict[str, Any] | None,
    new_head_id: int | None,
) -> MemberChange:
    details: dict[str, Any] = {}
    member: Member | None = None
    with audit_reason(f"{codes.MemberChangeKind(kind).label}：{reason}"):
        if kind in codes.JOINING_KINDS:
            if not new_member:
                raise ValidationFailed("请填写新增成员信息", errors={"new_member": ["必填"]})
            data = {**new_member, "joined_on": occurred_on}
            member = _build_member(household, data)
            _refuse_duplicate(actor, member.id_hash)
            member.created_by_id = member.updated_by_id = actor.user_id
            _full_clean(member, exclude=["household", "created_by", "updated_by"])
            member.save()
            details = {"name": member.name, "relation": member.relation, "id": member.id_masked}
        else:
            member = _member_of(household, member_id)
            if kind in codes.LEAVING_KINDS:
                details = _leave(actor, household, member, kind, occurred_on, new_head_id)
            else:
                if not new_member:
                    raise ValidationFailed("请填写更正内容", errors={"new_member": ["必填"]})
                version = member.version
                details = _apply_member_fields(actor, member, new_member)
                if not details:
                    raise ValidationFailed("更正内容与原信息相同")
                before = {k: old for k, (old, _) in details.items()}
                _full_clean(
                    member, exclude=["household", "created_by", "updated_by"], before=before
                )
                member.version = version + 1
                member.updated_by_id = actor.user_id
                member.save()
        _sync_size(actor, household)
        change = MemberChange(
            household=household,
            member=member,
            county_code=household.county_code,
            kind=kind,
            occurred_on=occurred_on,
            reason=reason,
            details=details,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        if evidence:
            change.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
        change.save()
    return change


def _member_of(household: Household, member_id: int | None) -> Member:
    member = (
        household.members.filter(pk=member_id, left_on__isnull=True).first() if member_id else None
    )
    if member is None:
        raise ValidationFailed("请选择本户的在册成员", errors={"member": ["请选择在册成员"]})
    return member


def _leave(
    actor: Actor,
    household: Household,
    member: Member,
    kind: str,
    occurred_on: dt.date,
    new_head_id: int | None,
) -> dict[str, Any]:
    details: dict[str, Any] = {"name": member.name, "relation": member.relation}
    new_head: Member | None = None
    if member.relation == codes.Relation.HEAD:
        others = [m for m in _current_members(household) if m.pk != member.pk]
        if others:
            new_head = next((m for m in others if m.pk == new_head_id), None)
            if new_head is None:
                raise ValidationFailed(
                    "户主离户时必须指定新户主（本户在册成员）",
                    errors={"new_head": ["请指定新户主"]},
                )
    member.left_on = occurred_on
    member.left_reason = kind
    member.updated_by_id = actor.user_id
    member.version += 1
    member.save(update_fields=["left_on", "left_reason", "updated_by", "version", "updated_at"])
    if new_head is not None:
        details["new_head"] = {"name": new_head.name, "old_relation": new_head.relation}
        new_head.relation = codes.Relation.HEAD
        new_head.updated_by_id = actor.user_id
        new_head.version += 1
        new_head.save(update_fields=["relation", "updated_by", "version", "updated_at"])
    return details
