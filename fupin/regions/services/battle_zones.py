"""Battle zone writes (攻坚战区): create and update; a county's zone edits are serialised so
the one-zone-per-township rule holds."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from fupin.core.access import Actor, Perm
from fupin.core.errors import ValidationFailed
from fupin.core.versioning import versioned_update
from fupin.regions.models import (
    BattleZone,
    Level,
    Region,
)
from fupin.regions.selectors import (
    access_battle_zone,
    access_region,
)
from fupin.regions.services.common import _fail


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
    versioned_update(
        BattleZone,
        pk=zone.pk,
        version=version,
        actor_id=actor.user_id,
        values={
            "name": name.strip(),
            "leader_name": leader_name.strip(),
            "leader_title": leader_title.strip(),
            "leader_id": leader_id,
        },
    )
    zone.refresh_from_db()
    zone.townships.set(townships)
    return zone
