"""Writes for village profiles, battle zones, command units and organisations.

Every service checks the actor's permission at the target region, validates with Chinese
messages (ValidationFailed), and updates with an optimistic lock on `version` (Conflict).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.errors import Conflict, NotFound, ValidationFailed
from fupin.core.masking import mask_phone

from .models import (
    BattleZone,
    CommandUnit,
    CommandUnitKind,
    CommandUnitMember,
    Level,
    Organisation,
    OrganisationKind,
    Region,
    VillageProfile,
)
from .selectors import (
    access_battle_zone,
    access_command_unit,
    access_organisation,
    access_region,
    access_village,
)

FIRST_YEAR = 2013  # 精准扶贫 began with the 2013 identification campaign


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)


def _locked_update(model: type[Any], pk: Any, version: int, **values: Any) -> None:
    updated = model.objects.filter(pk=pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if updated == 0:
        raise Conflict()


# --- village profile -------------------------------------------------------------------------


def validate_village_profile(
    *,
    is_poor_village: bool,
    identified_year: int | None,
    exit_year: int | None,
    population: int | None,
    rural_population: int | None,
    households: int | None = None,
    collective_income: Decimal | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    this_year = timezone.localdate().year
    for field, label, year in (
        ("identified_year", "识别年度", identified_year),
        ("exit_year", "退出年度", exit_year),
    ):
        if year is not None and not FIRST_YEAR <= year <= this_year:
            errors.setdefault(field, []).append(f"{label}应在 {FIRST_YEAR} 至 {this_year} 年之间")
    if exit_year is not None and not is_poor_village:
        errors.setdefault("exit_year", []).append("只有建档立卡贫困村才能填写退出年度")
    if identified_year is not None and not is_poor_village:
        errors.setdefault("identified_year", []).append("只有建档立卡贫困村才能填写识别年度")
    if exit_year is not None and identified_year is not None and exit_year < identified_year:
        errors.setdefault("exit_year", []).append("退出年度不能早于识别年度")
    if population is not None and rural_population is not None and rural_population > population:
        errors.setdefault("rural_population", []).append("农业人口不能大于总人口")
    for field, label, value in (
        ("households", "户数", households),
        ("population", "总人口", population),
        ("rural_population", "农业人口", rural_population),
    ):
        if value is not None and value < 0:
            errors.setdefault(field, []).append(f"{label}不能为负数")
    if collective_income is not None and collective_income < 0:
        errors.setdefault("collective_income", []).append("村集体经济收入不能为负数")
    _fail(errors)


@transaction.atomic
def village_profile_update(
    *,
    actor: Actor,
    code: str,
    version: int,
    is_poor_village: bool,
    identified_year: int | None = None,
    exit_year: int | None = None,
    households: int | None = None,
    population: int | None = None,
    rural_population: int | None = None,
    hardened_road: bool = False,
    power_supply: bool = False,
    broadband: bool = False,
    clinic: bool = False,
    cultural_room: bool = False,
    collective_income: Decimal | None = None,
) -> VillageProfile:
    """Save a village's profile; a village without one starts at version 1."""
    region = access_village(actor, code)
    actor.require_write(Perm.REGION_EDIT, region.code)
    validate_village_profile(
        is_poor_village=is_poor_village,
        identified_year=identified_year,
        exit_year=exit_year,
        population=population,
        rural_population=rural_population,
        households=households,
        collective_income=collective_income,
    )
    VillageProfile.objects.get_or_create(
        region=region, defaults={"county_code": region.code[:6], "created_by_id": actor.user_id}
    )
    _locked_update(
        VillageProfile,
        region.code,
        version,
        county_code=region.code[:6],
        is_poor_village=is_poor_village,
        identified_year=identified_year,
        exit_year=exit_year,
        households=households,
        population=population,
        rural_population=rural_population,
        hardened_road=hardened_road,
        power_supply=power_supply,
        broadband=broadband,
        clinic=clinic,
        cultural_room=cultural_room,
        collective_income=collective_income,
        updated_by_id=actor.user_id,
    )
    return VillageProfile.objects.get(pk=region.code)


# --- battle zones ----------------------------------------------------------------------------


def _validate_battle_zone(
    *,
    county: Region,
    name: str,
    leader_name: str,
    township_codes: Sequence[str],
    exclude_pk: int | None = None,
) -> list[Region]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写战区名称"]
    if not leader_name.strip():
        errors["leader_name"] = ["请填写责任领导"]
    codes = sorted(set(township_codes))
    townships = list(
        Region.objects.filter(code__in=codes, parent_id=county.code, level=Level.TOWNSHIP)
    )
    found = {t.code for t in townships}
    foreign = [c for c in codes if c not in found]
    if foreign:
        errors.setdefault("townships", []).append(
            f"以下区划不是{county.name}的乡镇：{'、'.join(foreign)}"
        )
    taken = (
        BattleZone.townships.through.objects.filter(
            region_id__in=found, battlezone__county_code=county.code
        )
        .exclude(battlezone_id=exclude_pk or 0)
        .select_related("region", "battlezone")
    )
    for row in taken:
        errors.setdefault("townships", []).append(
            f"{row.region.name}已属于攻坚战区“{row.battlezone.name}”，一个乡镇只能属于一个战区"
        )
    if (
        name.strip()
        and BattleZone.objects.filter(county_code=county.code, name=name.strip())
        .exclude(pk=exclude_pk or 0)
        .exists()
    ):
        errors.setdefault("name", []).append(f"{county.name}已有名为“{name.strip()}”的攻坚战区")
    _fail(errors)
    return townships


def _lock_county_zones(county_code: str) -> None:
    # Serialise zone edits of one county so the one-zone-per-township rule holds under races.
    list(BattleZone.objects.select_for_update().filter(county_code=county_code).values("pk"))
    Region.objects.select_for_update().filter(code=county_code).values("code").first()


@transaction.atomic
def battle_zone_create(
    *,
    actor: Actor,
    county_code: str,
    name: str,
    leader_name: str,
    leader_title: str = "",
    leader_id: int | None = None,
    township_codes: Sequence[str] = (),
) -> BattleZone:
    county = access_region(actor, county_code)
    actor.require_write(Perm.REGION_EDIT, county.code)
    if county.level != Level.COUNTY:
        raise ValidationFailed("攻坚战区只能设在县级区划", errors={"county": ["请选择县级区划"]})
    _lock_county_zones(county.code)
    townships = _validate_battle_zone(
        county=county, name=name, leader_name=leader_name, township_codes=township_codes
    )
    zone = BattleZone(
        name=name.strip(),
        county=county,
        county_code=county.code,
        leader_id=leader_id,
        leader_name=leader_name.strip(),
        leader_title=leader_title.strip(),
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    zone.full_clean()
    zone.save()
    zone.townships.set(townships)
    return zone


@transaction.atomic
def battle_zone_update(
    *,
    actor: Actor,
    pk: int,
    version: int,
    name: str,
    leader_name: str,
    leader_title: str = "",
    leader_id: int | None = None,
    township_codes: Sequence[str] = (),
) -> BattleZone:
    zone = access_battle_zone(actor, pk)
    actor.require_write(Perm.REGION_EDIT, zone.county_code)
    _lock_county_zones(zone.county_code)
    townships = _validate_battle_zone(
        county=zone.county,
        name=name,
        leader_name=leader_name,
        township_codes=township_codes,
        exclude_pk=zone.pk,
    )
    _locked_update(
        BattleZone,
        zone.pk,
        version,
        name=name.strip(),
        leader_name=leader_name.strip(),
        leader_title=leader_title.strip(),
        leader_id=leader_id,
        updated_by_id=actor.user_id,
    )
    zone.refresh_from_db()
    zone.townships.set(townships)
    return zone


# --- command units ---------------------------------------------------------------------------


def _validate_command_unit(
    *, actor: Actor, region: Region, name: str, kind: str, parent_id: int | None, pk: int | None
) -> CommandUnit | None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写单位名称"]
    if kind not in CommandUnitKind.values:
        errors["kind"] = ["请选择正确的单位类型"]
    parent = None
    if parent_id is not None:
        parent = CommandUnit.objects.filter(pk=parent_id).first()
        if parent is None or not actor.sees(parent.region_code):
            errors.setdefault("parent", []).append("上级单位不存在或不在您的管辖范围内")
        elif not region.code.startswith(parent.region_code):
            errors.setdefault("parent", []).append("上级单位必须属于本区划或其上级区划")
        elif pk is not None and _is_descendant_unit(parent.pk, pk):
            errors.setdefault("parent", []).append("上级单位不能是本单位或其下级单位")
    _fail(errors)
    return parent


def _is_descendant_unit(candidate: int, unit_pk: int) -> bool:
    """True if `candidate` is `unit_pk` itself or below it (the chain is short: ≤ 5 levels)."""
    seen: set[int] = set()
    current: int | None = candidate
    while current is not None and current not in seen:
        if current == unit_pk:
            return True
        seen.add(current)
        current = CommandUnit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return False


@transaction.atomic
def command_unit_create(
    *,
    actor: Actor,
    region_code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    duties: str = "",
) -> CommandUnit:
    region = access_region(actor, region_code)
    actor.require_write(Perm.REGION_EDIT, region.code)
    _validate_command_unit(
        actor=actor, region=region, name=name, kind=kind, parent_id=parent_id, pk=None
    )
    unit = CommandUnit(
        name=name.strip(),
        kind=kind,
        region=region,
        region_code=region.code,
        parent_id=parent_id,
        duties=duties.strip(),
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def command_unit_update(
    *,
    actor: Actor,
    pk: int,
    version: int,
    name: str,
    kind: str,
    parent_id: int | None = None,
    duties: str = "",
) -> CommandUnit:
    unit = access_command_unit(actor, pk)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    _validate_command_unit(
        actor=actor, region=unit.region, name=name, kind=kind, parent_id=parent_id, pk=unit.pk
    )
    _locked_update(
        CommandUnit,
        unit.pk,
        version,
        name=name.strip(),
        kind=kind,
        parent_id=parent_id,
        duties=duties.strip(),
        updated_by_id=actor.user_id,
    )
    unit.refresh_from_db()
    return unit


@transaction.atomic
def command_unit_member_add(
    *,
    actor: Actor,
    unit_id: int,
    name: str,
    position: str,
    phone: str = "",
    user_id: int | None = None,
    sort: int = 0,
) -> CommandUnitMember:
    unit = access_command_unit(actor, unit_id)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写成员姓名"]
    if not position.strip():
        errors["position"] = ["请填写职务/分工"]
    phone = phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        errors["phone"] = ["联系电话格式不正确"]
    _fail(errors)
    member = CommandUnitMember(
        unit=unit,
        name=name.strip(),
        position=position.strip(),
        phone=phone,
        user_id=user_id,
        sort=sort,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def command_unit_member_remove(*, actor: Actor, unit_id: int, member_id: int) -> None:
    unit = access_command_unit(actor, unit_id)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    deleted, _ = CommandUnitMember.objects.filter(pk=member_id, unit_id=unit.pk).delete()
    if not deleted:
        raise NotFound()


# --- organisations ---------------------------------------------------------------------------

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_is_valid(code: str) -> bool:
    """GB 32100-2015 统一社会信用代码: 18 characters, mod-31 check digit in the last place."""
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARSET for ch in code):
        return False
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(code, CREDIT_CODE_WEIGHTS, strict=False)
    )
    check = (31 - total % 31) % 31
    return code[17] == CREDIT_CODE_CHARSET[check]


def _validate_organisation(
    *,
    region: Region,
    name: str,
    kind: str,
    credit_code: str,
    contact_phone: str,
    exclude_pk: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写组织名称"]
    if kind not in OrganisationKind.values:
        errors["kind"] = ["请选择正确的组织类型"]
    if credit_code:
        if len(credit_code) != 18:
            errors["credit_code"] = ["统一社会信用代码应为 18 位"]
        elif not credit_code_is_valid(credit_code):
            errors["credit_code"] = ["统一社会信用代码校验位不正确，请核对"]
    phone = contact_phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        errors["contact_phone"] = ["联系电话格式不正确"]
    if (
        name.strip()
        and Organisation.objects.filter(region_id=region.code, name=name.strip())
        .exclude(pk=exclude_pk or 0)
        .exists()
    ):
        errors.setdefault("name", []).append(f"{region.name}已有同名组织“{name.strip()}”")
    _fail(errors)


def _duplicate_name(region: Region, name: str) -> ValidationFailed:
    message = f"{region.name}已有同名组织“{name.strip()}”"
    return ValidationFailed(message, errors={"name": [message]})


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    region_code: str,
    name: str,
    kind: str,
    sector: str = "",
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    is_active: bool = True,
) -> Organisation:
    region = access_region(actor, region_code, Perm.ORG_VIEW)
    actor.require_write(Perm.ORG_EDIT, region.code)
    credit_code = credit_code.strip().upper()
    _validate_organisation(
        region=region,
        name=name,
        kind=kind,
        credit_code=credit_code,
        contact_phone=contact_phone,
        exclude_pk=None,
    )
    org = Organisation(
        name=name.strip(),
        kind=kind,
        sector=sector.strip(),
        region=region,
        region_code=region.code,
        credit_code=credit_code,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        address=address.strip(),
        is_active=is_active,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    org.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a concurrent insert of the same name
        raise _duplicate_name(region, name) from exc
    return org


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    pk: int,
    version: int,
    name: str,
    kind: str,
    sector: str = "",
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    is_active: bool = True,
) -> Organisation:
    org = access_organisation(actor, pk)
    actor.require_write(Perm.ORG_EDIT, org.region_code)
    credit_code = credit_code.strip().upper()
    if "*" in contact_phone and contact_phone.strip() == mask_phone(org.contact_phone):
        # The form showed the masked phone to a user who may not see it: keep the stored one.
        contact_phone = org.contact_phone
    _validate_organisation(
        region=org.region,
        name=name,
        kind=kind,
        credit_code=credit_code,
        contact_phone=contact_phone,
        exclude_pk=org.pk,
    )
    try:
        with transaction.atomic():
            _locked_update(
                Organisation,
                org.pk,
                version,
                name=name.strip(),
                kind=kind,
                sector=sector.strip(),
                credit_code=credit_code,
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                address=address.strip(),
                is_active=is_active,
                updated_by_id=actor.user_id,
            )
    except IntegrityError as exc:
        raise _duplicate_name(org.region, name) from exc
    org.refresh_from_db()
    return org
