"""Writes to the registry. Every service takes the actor, checks jurisdiction and permission,
validates with the rule catalogue (errors block, warnings are returned) and is atomic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from fupin.accounts.perms import Perm
from fupin.accounts.scope import Actor
from fupin.core import params
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.masking import mask_name
from fupin.regions.models import Level, Region

from . import codes, identity
from .models import Household, Income, Member
from .validation import Bundle, Issue, validate_bundle

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
    actor.require(Perm.HOUSEHOLD_EDIT, region_code)
    if actor.is_read_only:
        raise PermissionDenied("只读角色不能修改建档立卡数据")


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


def duplicate_id_message(
    actor: Actor, id_hash: str, exclude_member_id: int | None = None
) -> str | None:
    """The refusal for an ID number already in the registry, naming the other household
    (masked when it lies outside the actor's jurisdiction)."""
    query = Member.objects.filter(id_hash=id_hash).select_related("household")
    if exclude_member_id is not None:
        query = query.exclude(pk=exclude_member_id)
    other = query.first()
    if other is None:
        return None
    hh = other.household
    if actor.sees(hh.region_code):
        return (
            f"身份证号 {other.id_masked} 已登记为 {hh.head_name} 户（户编号 {hh.household_no}）"
            f"的成员 {other.name}，同一身份证号不能登记在两户"
        )
    return (
        f"身份证号 {other.id_masked} 已登记在其他辖区的 {mask_name(hh.head_name)} 户，"
        "同一身份证号不能登记在两户，请与对方所在地核实"
    )


def _village(actor: Actor, village_code: str) -> Region:
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed(f"村代码“{village_code}”不存在", errors={"village": ["村不存在"]})
    require_write(actor, village.code)
    return village


def _build_member(household: Household, data: dict[str, Any]) -> Member:
    stored = identity.store(str(data.get("id_number", "")))
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


def _full_clean(obj: Any, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "；".join(f"{k}: {'，'.join(v)}" for k, v in exc.message_dict.items()),
            errors=exc.message_dict,
        ) from exc


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
            today=today or dt.date.today(),  # noqa: DTZ011
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
    return SaveResult(household=household, warnings=warnings)


def access_household(actor: Actor, pk: int, perm: Perm = Perm.HOUSEHOLD_VIEW) -> Household:
    household = Household.objects.select_related("village").filter(pk=pk).first()
    if household is None:
        raise NotFound()
    actor.require(perm, household.region_code)
    return household


def bundle_for(household: Household, today: dt.date | None = None) -> Bundle:
    poverty, monitoring = line_lookup(household.region_code)
    return Bundle(
        household=household,
        members=list(household.members.order_by("id")),
        incomes=list(household.incomes.order_by("year")),
        today=today or dt.date.today(),  # noqa: DTZ011
        poverty_line=poverty,
        monitoring_line=monitoring,
    )


@transaction.atomic
def household_update(
    *, actor: Actor, pk: int, version: int, data: dict[str, Any], reason: str = ""
) -> SaveResult:
    """Edit household fields with an optimistic lock: a stale `version` raises Conflict."""
    household = access_household(actor, pk)
    require_write(actor, household.region_code)
    unknown = set(data) - HOUSEHOLD_FIELDS
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    for key, value in data.items():
        setattr(household, key, value)
    _full_clean(household, exclude=["village", "helper", "created_by", "updated_by"])
    warnings = check_bundle(bundle_for(household))
    from fupin.audit.context import audit_context

    with audit_context(reason=reason or None):
        updated = Household.objects.filter(pk=pk, version=version).update(
            **data, updated_by_id=actor.user_id, version=F("version") + 1
        )
    if not updated:
        raise Conflict()
    household.refresh_from_db()
    return SaveResult(household=household, warnings=warnings)


@transaction.atomic
def income_save(
    *,
    actor: Actor,
    household_id: int,
    year: int,
    amounts: dict[str, Decimal | int | str],
    size: int | None = None,
) -> Income:
    """Create or replace a household's income for a year (size defaults to current members)."""
    household = access_household(actor, household_id)
    require_write(actor, household.region_code)
    if size is None:
        size = household.members.filter(left_on__isnull=True).count()
    allowed = {
        "wage",
        "business",
        "property_income",
        "transfer_dibao",
        "transfer_tekun",
        "transfer_pension",
        "transfer_eco",
        "transfer_family_planning",
        "transfer_other",
        "production_costs",
    }
    unknown = set(amounts) - allowed
    if unknown:
        raise ValidationFailed(f"未知收入项：{', '.join(sorted(unknown))}")
    for key, value in amounts.items():
        if Decimal(str(value)) < 0:
            raise ValidationFailed("收入和支出金额不能为负数", errors={key: ["不能为负数"]})
    income, _ = Income.objects.update_or_create(
        household=household,
        year=year,
        defaults={
            "county_code": household.county_code,
            "size": size,
            "updated_by_id": actor.user_id,
            **amounts,
        },
        create_defaults={
            "county_code": household.county_code,
            "size": size,
            "created_by_id": actor.user_id,
            "updated_by_id": actor.user_id,
            **amounts,
        },
    )
    income.refresh_from_db()
    return income
