"""What the registry's services share: the editable fields, the jurisdiction check for writes,
the rule catalogue run (errors block, warnings are returned), building and checking a member
from its ID number, and the recheck after every edit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from fupin.core import codelists, params
from fupin.core.access import Actor, Perm
from fupin.core.errors import ValidationFailed
from fupin.registry import codes, identity
from fupin.registry.models import Household, Member
from fupin.registry.validation import Bundle, Issue, validate_bundle

HOUSEHOLD_FIELDS = frozenset(
    f.name
    for f in Household._meta.get_fields()
    if getattr(f, "concrete", False)
    and f.name
    not in {
        "id",
        "village",
        "region_code",
        "county_code",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
        "import_batch_id",
        "helper",
    }
)
MEMBER_FIELDS = frozenset(
    f.name
    for f in Member._meta.get_fields()
    if getattr(f, "concrete", False)
    and f.name
    not in {
        "id",
        "household",
        "county_code",
        "id_cipher",
        "id_hash",
        "id_masked",
        "sex",
        "birth_date",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    }
)


@dataclass
class SaveResult:
    household: Household
    warnings: list[Issue] = field(default_factory=list)


def require_write(actor: Actor, region_code: str) -> None:
    actor.require_write(Perm.HOUSEHOLD_EDIT, region_code, "只读角色不能修改建档立卡数据")


def line_lookup(region_code: str) -> tuple[Any, Any]:
    def poverty(year: int) -> Decimal:
        return Decimal(params.get("registry.poverty_line", region_code=region_code, year=year))

    def monitoring(year: int) -> Decimal:
        return Decimal(params.get("registry.monitoring_line", region_code=region_code, year=year))

    return poverty, monitoring


def check_bundle(bundle: Bundle) -> list[Issue]:
    """Run the catalogue; raise ValidationFailed listing every error, return the warnings."""
    issues = validate_bundle(bundle)
    errors = [i for i in issues if i.is_error]
    if errors:
        raise ValidationFailed(
            "；".join(f"{i.code} {i.message}" for i in errors),
            errors={"__all__": [f"{i.code} {i.message}" for i in errors]},
        )
    return [i for i in issues if not i.is_error]


OTHER_JURISDICTION_DUPLICATE = (
    "该身份证号已在其他辖区登记，同一身份证号不能登记在两户，请联系县级扶贫部门核实"
)


def duplicate_id_message(
    actor: Actor, id_hash: str, exclude_member_id: int | None = None
) -> str | None:
    """The refusal for an ID number already in the registry. Inside the actor's jurisdiction it
    names the other household (the actor may read it anyway); outside it says no more than the
    registration rule needs: not where, not whose (issue 12)."""
    query = Member.objects.filter(id_hash=id_hash).select_related("household")
    if exclude_member_id is not None:
        query = query.exclude(pk=exclude_member_id)
    other = query.first()
    if other is None:
        return None
    hh = other.household
    if actor.can(Perm.HOUSEHOLD_VIEW, hh.region_code):
        return (
            f"身份证号 {other.id_masked} 已登记为 {hh.head_name} 户（户编号 {hh.household_no}）"
            f"的成员 {other.name}，同一身份证号不能登记在两户"
        )
    return OTHER_JURISDICTION_DUPLICATE


LABOUR_AGE = 16


def default_labour(birth_date: dt.date, today: dt.date | None = None) -> str:
    """The labour value for a member entered without one: children are not labour force."""
    today = today or timezone.localdate()
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    return codes.Labour.NONE if age < LABOUR_AGE else codes.Labour.ORDINARY


def _build_member(household: Household, data: dict[str, Any]) -> Member:
    stored = identity.store(str(data.get("id_number", "")))
    if not data.get("labour"):
        data = {**data, "labour": default_labour(stored.info.birth_date)}
    member = Member(
        household=household,
        county_code=household.county_code,
        id_cipher=stored.cipher,
        id_hash=stored.hash,
        id_masked=stored.masked,
        sex=stored.info.sex,
        birth_date=stored.info.birth_date,
        **{k: v for k, v in data.items() if k in MEMBER_FIELDS},
    )
    declared_sex = data.get("declared_sex")
    if declared_sex and declared_sex != member.sex:
        raise ValidationFailed(
            f"成员 {member.name} 的性别（{declared_sex}）与身份证号不符（应为{member.sex}）",
            errors={"sex": ["与身份证号不符"]},
        )
    declared_birth = data.get("declared_birth_date")
    if declared_birth and declared_birth != member.birth_date:
        raise ValidationFailed(
            f"成员 {member.name} 的出生日期与身份证号不符（应为 {member.birth_date:%Y-%m-%d}）",
            errors={"birth_date": ["与身份证号不符"]},
        )
    return member


def _full_clean(obj: Any, exclude: list[str], before: dict[str, Any] | None = None) -> None:
    """Model validation, and no code item stopped (停用) chosen anew: `before` holds the
    previous values of the fields an edit changes (None for a new record)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "；".join(f"{k}: {'，'.join(v)}" for k, v in exc.message_dict.items()),
            errors=exc.message_dict,
        ) from exc
    stopped = codelists.stopped_errors(obj, before)
    if stopped:
        raise ValidationFailed(
            "；".join(
                f"{obj._meta.get_field(k).verbose_name}：{'，'.join(v)}" for k, v in stopped.items()
            ),
            errors=stopped,
        )


def bundle_for(household: Household, today: dt.date | None = None) -> Bundle:
    poverty, monitoring = line_lookup(household.region_code)
    return Bundle(
        household=household,
        members=list(household.members.order_by("id")),
        incomes=list(household.incomes.order_by("year")),
        today=today or timezone.localdate(),
        poverty_line=poverty,
        monitoring_line=monitoring,
    )


CORRECTABLE_FIELDS = MEMBER_FIELDS - {"joined_on", "left_on", "left_reason"}


def recheck(household: Household) -> None:
    """Refresh the household's 疑点 after an edit and tell the other domains (supervision
    re-checks its rules on the household)."""
    from fupin.registry.signals import household_changed
    from fupin.registry.validation.sweep import recheck_household

    recheck_household(household)
    household_changed.send(sender=Household, household=household)


def _sync_size(actor: Actor, household: Household) -> None:
    """declared_size follows the current member count; the household's version moves on."""
    size = household.members.filter(left_on__isnull=True).count()
    head = household.members.filter(left_on__isnull=True, relation=codes.Relation.HEAD).first()
    head_name = head.name if head is not None else household.head_name
    Household.objects.filter(pk=household.pk).update(
        declared_size=size,
        head_name=head_name,
        updated_by_id=actor.user_id,
        version=F("version") + 1,
    )
    household.refresh_from_db()


def _check_household(household: Household) -> list[Issue]:
    return check_bundle(bundle_for(household))


def _refuse_duplicate(actor: Actor, id_hash: str, exclude_member_id: int | None = None) -> None:
    message = duplicate_id_message(actor, id_hash, exclude_member_id=exclude_member_id)
    if message:
        raise ValidationFailed(message, errors={"id_number": [message]})


def _apply_member_fields(
    actor: Actor, member: Member, data: dict[str, Any]
) -> dict[str, list[Any]]:
    """Set editable fields (and a new ID number); return {field: [old, new]} of what changed."""
    changed: dict[str, list[Any]] = {}
    unknown = set(data) - CORRECTABLE_FIELDS - {"id_number"}
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    number = str(data.get("id_number") or "").strip()
    if number:
        stored = identity.store(number)
        if stored.hash != member.id_hash:
            _refuse_duplicate(actor, stored.hash, exclude_member_id=member.pk)
            # Only the masked forms reach the change record and the audit trail's readers.
            changed["id_number"] = [member.id_masked, stored.masked]
            member.id_cipher, member.id_hash, member.id_masked = (
                stored.cipher,
                stored.hash,
                stored.masked,
            )
            member.sex, member.birth_date = stored.info.sex, stored.info.birth_date
    for key, value in data.items():
        if key == "id_number":
            continue
        old = getattr(member, key)
        if old != value:
            changed[key] = [_plain(old), _plain(value)]
            setattr(member, key, value)
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def audit_reason(reason: str | None) -> Any:
    from fupin.core.context import audit_context

    return audit_context(reason=reason or None)


def _integrity_message(exc: IntegrityError) -> Exception:
    text = str(exc)
    if "member_one_current_head" in text:
        return ValidationFailed("每户只能有一名在册户主", errors={"relation": ["本户已有户主"]})
    if "id_hash" in text:
        return ValidationFailed("身份证号已被其他户登记，请刷新后核实")
    return exc
