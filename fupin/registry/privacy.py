"""What of a household's and its members' personal data an actor sees, and the audited reveal
(SPEC §10: masks must not be reversible by combining what a role sees; every reveal of full
personal data is itself audited).

- **ID numbers, phones and bank accounts** are masked for everyone, in every list, page, API
  response and export. A holder of PERSONAL_DATA_VIEW over the household's region may
  *reveal* one value with a reason; the reveal writes an audit row (who, what, when, why,
  from where) in the same transaction, before the value is returned.
- **Birth dates**: holders of PERSONAL_DATA_VIEW see them; everyone else sees the age
  (周岁, as of today). With the staff mask (area code only) and the age, an ID number keeps
  about 180,000 candidates; with the birth date and the sex, about 500.
- **Health and disability** (健康状况, 残疾等级): only holders of HEALTH_VIEW over the region;
  others see 「（无权查看）」 on pages, null in the API, and no column in exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.audit.services import access_record, require_personal_view, reveal_check
from fupin.core.access import Actor, Perm
from fupin.core.errors import ValidationFailed
from fupin.core.masking import mask_bank_account, mask_phone

from . import identity
from .models import Household, Member

HIDDEN = "（无权查看）"
HEALTH_FIELDS = ("health", "disability_grade")
HOUSEHOLD_SECRETS = {"phone": mask_phone, "bank_account": mask_bank_account}


@dataclass(frozen=True)
class Sight:
    """What an actor may see of the personal data of one region's households."""

    personal: bool  # birth dates, and the right to reveal full ID numbers, phones, accounts
    health: bool  # health status and disability grade

    @classmethod
    def of(cls, actor: Actor, region_code: str) -> Sight:
        return cls(
            personal=actor.can(Perm.PERSONAL_DATA_VIEW, region_code),
            health=actor.can(Perm.HEALTH_VIEW, region_code),
        )

    @classmethod
    def everywhere(cls, actor: Actor, region_codes: list[str]) -> Sight:
        """What the actor sees in all of `region_codes` (an export over several regions)."""
        codes = region_codes or [""]
        return cls(
            personal=all(actor.can(Perm.PERSONAL_DATA_VIEW, c) for c in codes),
            health=all(actor.can(Perm.HEALTH_VIEW, c) for c in codes),
        )


NO_SIGHT = Sight(personal=False, health=False)


def age_on(born: dt.date, on: dt.date) -> int:
    """周岁 on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def member_facts(sight: Sight, member: Member, today: dt.date | None = None) -> dict[str, Any]:
    """The member's birth date (or None), age, health and disability grade (or None) as the
    actor may see them."""
    today = today or timezone.localdate()
    return {
        "birth_date": member.birth_date if sight.personal else None,
        "age": age_on(member.birth_date, today),
        "health": member.health if sight.health else None,
        "disability_grade": member.disability_grade if sight.health else None,
    }


def frozen_member(
    sight: Sight, doc: dict[str, Any], today: dt.date | None = None
) -> dict[str, Any]:
    """A member of a yearly snapshot (a JSON document) as the actor may see it: the ID in the
    staff mask, `age` added, the birth date and health details None where not allowed."""
    today = today or timezone.localdate()
    out = dict(doc)
    out["id_masked"] = identity.mask(str(doc.get("id_masked") or ""))
    born = _date(doc.get("birth_date"))
    out["age"] = age_on(born, today) if born else None
    if not sight.personal:
        out["birth_date"] = None
    if not sight.health:
        for name in HEALTH_FIELDS:
            out[name] = None
    return out


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def require_reveal(actor: Actor, region_code: str) -> None:
    """404 outside the jurisdiction, 403 (in Chinese) without PERSONAL_DATA_VIEW there."""
    actor.require(Perm.HOUSEHOLD_VIEW, region_code)
    require_personal_view(actor, [region_code])


@transaction.atomic
def member_id_reveal(*, actor: Actor, member: Member, reason: str) -> str:
    """The member's full ID number, after recording who saw it and why."""
    actor.require(Perm.HOUSEHOLD_VIEW, member.household.region_code)
    reveal_check(actor, [member.household.region_code], reason)
    access_record(
        actor=actor,
        table=Member._meta.db_table,
        object_pk=member.pk,
        detail={"kind": "reveal", "fields": ["id_number"], "name": member.name},
        reason=reason,
    )
    return identity.reveal(member.id_cipher)


@transaction.atomic
def household_contact_reveal(
    *, actor: Actor, household: Household, fields: list[str], reason: str
) -> dict[str, str]:
    """The household's phone and/or bank account in full, after recording the reveal."""
    actor.require(Perm.HOUSEHOLD_VIEW, household.region_code)
    reveal_check(actor, [household.region_code], reason)
    wanted = [f for f in HOUSEHOLD_SECRETS if f in fields]
    if not wanted:
        raise ValidationFailed("请指定要查看的信息", errors={"field": ["无效的取值"]})
    access_record(
        actor=actor,
        table=Household._meta.db_table,
        object_pk=household.pk,
        detail={"kind": "reveal", "fields": wanted, "household_no": household.household_no},
        reason=reason,
    )
    return {f: str(getattr(household, f) or "") for f in wanted}


def masked_contact(household: Household) -> dict[str, str]:
    """The household's phone and bank account as every list and page shows them."""
    return {f: func(getattr(household, f)) for f, func in HOUSEHOLD_SECRETS.items()}
