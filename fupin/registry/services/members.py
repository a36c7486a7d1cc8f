"""Member writes: add a member missed at entry, edit a member."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound
from fupin.core.versioning import stale, versioned_update
from fupin.registry import selectors
from fupin.registry.models import Member
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


@transaction.atomic
def member_add(
    *, actor: Actor, household_id: int, data: dict[str, Any]
) -> tuple[Member, list[Issue]]:
    """Add a member missed at entry (natural changes go through member_change)."""
    household = selectors.access_household(actor, household_id)
    require_write(actor, household.region_code)
    member = _build_member(household, data)
    _refuse_duplicate(actor, member.id_hash)
    member.created_by_id = member.updated_by_id = actor.user_id
    _full_clean(member, exclude=["household", "created_by", "updated_by"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise _integrity_message(exc) from exc
    _sync_size(actor, household)
    warnings = _check_household(household)
    recheck(household)
    return member, warnings


def access_member(actor: Actor, pk: int, perm: Perm = Perm.HOUSEHOLD_VIEW) -> Member:
    member = Member.objects.select_related("household").filter(pk=pk).first()
    if member is None:
        raise NotFound()
    actor.require(perm, member.household.region_code)
    return member


@transaction.atomic
def member_update(
    *, actor: Actor, member_id: int, version: int, data: dict[str, Any], reason: str = ""
) -> tuple[Member, list[Issue]]:
    """Edit a member with an optimistic lock; a changed ID number is re-checked for duplicates."""
    member = access_member(actor, member_id)
    household = member.household
    require_write(actor, household.region_code)
    if member.version != version:
        raise stale(Member, member.pk, subject="该成员")
    changed = _apply_member_fields(actor, member, data)
    before = {k: old for k, (old, _) in changed.items()}
    _full_clean(member, exclude=["household", "created_by", "updated_by"], before=before)
    if changed:
        fields = [k for k in changed if k != "id_number"]
        if "id_number" in changed:
            fields += ["id_cipher", "id_hash", "id_masked", "sex", "birth_date"]
        try:
            with audit_reason(reason):
                versioned_update(
                    Member,
                    pk=member.pk,
                    version=version,
                    actor_id=actor.user_id,
                    values={f: getattr(member, f) for f in fields},
                    subject="该成员",
                )
        except IntegrityError as exc:
            raise _integrity_message(exc) from exc
        _sync_size(actor, household)
    warnings = _check_household(household)
    recheck(household)
    member.refresh_from_db()
    return member, warnings
