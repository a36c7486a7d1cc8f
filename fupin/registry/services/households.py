"""Household writes: register a household with its members, edit its fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.core.access import Actor
from fupin.core.errors import ValidationFailed
from fupin.core.versioning import versioned_update
from fupin.regions.models import Level, Region
from fupin.registry import codes, selectors
from fupin.registry.models import Household, Member
from fupin.registry.services.common import (
    HOUSEHOLD_FIELDS,
    SaveResult,
    _build_member,
    _full_clean,
    bundle_for,
    check_bundle,
    duplicate_id_message,
    line_lookup,
    recheck,
    require_write,
)
from fupin.registry.validation import Bundle


def _village(actor: Actor, village_code: str) -> Region:
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed(f"村代码“{village_code}”不存在", errors={"village": ["村不存在"]})
    require_write(actor, village.code)
    return village


@transaction.atomic
def household_create(
    *,
    actor: Actor,
    village_code: str,
    data: dict[str, Any],
    members: list[dict[str, Any]],
    today: dt.date | None = None,
) -> SaveResult:
    """Register a household with its members. Errors (Chinese) block; warnings are returned."""
    village = _village(actor, village_code)
    unknown = set(data) - HOUSEHOLD_FIELDS
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    household = Household(
        village=village,
        region_code=village.code,
        county_code=village.code[:6],
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
        **data,
    )
    if not household.declared_size:
        household.declared_size = len(members)
    built = [_build_member(household, m) for m in members]
    seen: dict[str, str] = {}
    for m in built:
        if m.id_hash in seen:
            raise ValidationFailed(f"成员 {seen[m.id_hash]} 与 {m.name} 的身份证号相同")
        seen[m.id_hash] = m.name
        message = duplicate_id_message(actor, m.id_hash)
        if message:
            raise ValidationFailed(message, errors={"id_number": [message]})
    head = next((m for m in built if m.relation == codes.Relation.HEAD), None)
    if head is not None and not household.head_name:
        household.head_name = head.name
    _full_clean(household, exclude=["village", "helper", "created_by", "updated_by"])
    for m in built:
        _full_clean(m, exclude=["household", "created_by", "updated_by"])
    poverty, monitoring = line_lookup(village.code)
    warnings = check_bundle(
        Bundle(
            household=household,
            members=built,
            today=today or timezone.localdate(),
            poverty_line=poverty,
            monitoring_line=monitoring,
        )
    )
    try:
        with transaction.atomic():
            household.save()
            for m in built:
                m.household = household
                m.created_by_id = m.updated_by_id = actor.user_id
            Member.objects.bulk_create(built)
    except IntegrityError as exc:
        if "household_no" in str(exc):
            raise ValidationFailed(
                f"户编号“{household.household_no}”已存在", errors={"household_no": ["已存在"]}
            ) from exc
        if "id_hash" in str(exc):  # a concurrent insert of the same ID number
            raise ValidationFailed("身份证号已被其他户登记，请刷新后核实") from exc
        raise
    recheck(household)
    return SaveResult(household=household, warnings=warnings)


@transaction.atomic
def household_update(
    *, actor: Actor, pk: int, version: int, data: dict[str, Any], reason: str = ""
) -> SaveResult:
    """Edit household fields with an optimistic lock: a stale `version` raises Conflict."""
    household = selectors.access_household(actor, pk)
    require_write(actor, household.region_code)
    unknown = set(data) - HOUSEHOLD_FIELDS
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    before = {key: getattr(household, key) for key in data}
    for key, value in data.items():
        setattr(household, key, value)
    _full_clean(household, exclude=["village", "helper", "created_by", "updated_by"], before=before)
    warnings = check_bundle(bundle_for(household))
    from fupin.core.context import audit_context

    with audit_context(reason=reason or None):
        versioned_update(
            Household, pk=pk, version=version, actor_id=actor.user_id, values=data, subject="该户"
        )
    household.refresh_from_db()
    recheck(household)
    return SaveResult(household=household, warnings=warnings)
