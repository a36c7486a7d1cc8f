"""Village profile writes (村情信息): validation and the update under the lock."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.versioning import versioned_update
from fupin.regions.models import (
    VillageProfile,
)
from fupin.regions.selectors import (
    access_village,
)
from fupin.regions.services.common import FIRST_YEAR, _fail


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
    versioned_update(
        VillageProfile,
        pk=region.code,
        version=version,
        actor_id=actor.user_id,
        values={
            "county_code": region.code[:6],
            "is_poor_village": is_poor_village,
            "identified_year": identified_year,
            "exit_year": exit_year,
            "households": households,
            "population": population,
            "rural_population": rural_population,
            "hardened_road": hardened_road,
            "power_supply": power_supply,
            "broadband": broadband,
            "clinic": clinic,
            "cultural_room": cultural_room,
            "collective_income": collective_income,
        },
    )
    return VillageProfile.objects.get(pk=region.code)
