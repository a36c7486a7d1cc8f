"""Regions and organisations API: every list and object is scoped to the caller's jurisdiction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status
from ninja.pagination import paginate

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.api import LazyPage, Pagination, Schema
from fupin.core.errors import PermissionDenied
from fupin.core.masking import mask_phone

from . import selectors, services
from .models import BattleZone, CommandUnit, Organisation, Region, VillageProfile

router = Router(tags=["区划与组织"])


# --- schemas ---------------------------------------------------------------------------------


class RegionOut(Schema):
    code: str
    code12: str
    name: str
    level: int
    level_label: str
    parent_code: str | None = None
    child_count: int | None = None


class PathItem(Schema):
    code: str
    name: str
    level: int


class RegionSearchOut(RegionOut):
    path: list[PathItem]
    path_label: str


class LevelCount(Schema):
    level_label: str
    count: int


class RegionDetailOut(RegionOut):
    path: list[PathItem]
    descendants: list[LevelCount]
    has_profile: bool


class ProfileIn(Schema):
    version: int = Field(..., ge=1)
    is_poor_village: bool = False
    identified_year: int | None = None
    exit_year: int | None = None
    households: int | None = Field(None, ge=0)
    population: int | None = Field(None, ge=0)
    rural_population: int | None = Field(None, ge=0)
    hardened_road: bool = False
    power_supply: bool = False
    broadband: bool = False
    clinic: bool = False
    cultural_room: bool = False
    collective_income: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class ProfileOut(ProfileIn):
    code: str
    name: str
    county_code: str | None = None
    exists: bool
    updated_at: datetime | None = None


class OrganisationIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str
    sector: str = Field("", max_length=50)
    credit_code: str = Field("", max_length=18)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    is_active: bool = True


class OrganisationCreateIn(OrganisationIn):
    region_code: str


class OrganisationUpdateIn(OrganisationIn):
    version: int = Field(..., ge=1)


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    sector: str
    region_code: str
    region_name: str
    credit_code: str
    contact_name: str
    contact_phone: str
    address: str
    is_active: bool
    version: int


class BattleZoneIn(Schema):
    county_code: str
    name: str = Field(..., max_length=100)
    leader_name: str = Field(..., max_length=50)
    leader_title: str = Field("", max_length=100)
    township_codes: list[str] = []


class BattleZoneOut(Schema):
    id: int
    name: str
    county_code: str
    county_name: str
    leader_name: str
    leader_title: str
    townships: list[PathItem]
    version: int


class CommandUnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    parent_id: int | None
    member_count: int
    version: int


# --- converters (masking depends on the actor) -----------------------------------------------


def _path(regions: list[Region]) -> list[dict[str, Any]]:
    return [{"code": r.code, "name": r.name, "level": r.level} for r in regions]


def _region(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "code12": region.code12,
        "name": region.name,
        "level": region.level,
        "level_label": region.level_label,
        "parent_code": region.parent_id,
        "child_count": getattr(region, "child_count", None),
    }


def _profile(region: Region, profile: VillageProfile | None) -> dict[str, Any]:
    data: dict[str, Any] = {"code": region.code, "name": region.name, "exists": profile is not None}
    if profile is None:
        return {**data, "version": 1, "county_code": region.code[:6]}
    fields = [f for f in ProfileIn.model_fields if f != "version"]
    return {
        **data,
        **{f: getattr(profile, f) for f in fields},
        "version": profile.version,
        "county_code": profile.county_code,
        "updated_at": profile.updated_at,
    }


def _organisation(actor: Actor, org: Organisation) -> dict[str, Any]:
    phone = mask_phone(org.contact_phone)  # masked for everyone (SPEC §10), as in the lists
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "sector": org.sector,
        "region_code": org.region_code,
        "region_name": org.region.name,
        "credit_code": org.credit_code,
        "contact_name": org.contact_name,
        "contact_phone": phone,
        "address": org.address,
        "is_active": org.is_active,
        "version": org.version,
    }


def _battle_zone(zone: BattleZone) -> dict[str, Any]:
    return {
        "id": zone.pk,
        "name": zone.name,
        "county_code": zone.county_code,
        "county_name": zone.county.name,
        "leader_name": zone.leader_name,
        "leader_title": zone.leader_title,
        "townships": _path(sorted(zone.townships.all(), key=lambda t: t.code)),
        "version": zone.version,
    }


def _command_unit(unit: CommandUnit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": unit.get_kind_display(),
        "region_code": unit.region_code,
        "region_name": unit.region.name,
        "parent_id": unit.parent_id,
        "member_count": getattr(unit, "member_count", 0),
        "version": unit.version,
    }


# --- regions ---------------------------------------------------------------------------------


@router.get(
    "/regions", response=list[RegionOut], summary="下级区划（不带 parent 时为本人辖区的根）"
)
@paginate(Pagination)
def list_regions(request: HttpRequest, parent: str | None = None) -> list[dict[str, Any]]:
    actor = actor_of(request)
    if not parent and not actor.region_codes(Perm.REGION_VIEW):
        raise PermissionDenied()
    return LazyPage.rows(selectors.region_children(actor, parent), _region)  # type: ignore[return-value]


@router.get("/regions/search", response=list[RegionSearchOut], summary="按名称搜索区划")
def search_regions(request: HttpRequest, q: str, limit: int = 50) -> list[dict[str, Any]]:
    hits = selectors.region_search(actor_of(request), q, limit=limit)
    return [{**_region(h.region), "path": _path(h.path), "path_label": h.path_label} for h in hits]


@router.get("/regions/{code}", response=RegionDetailOut, summary="区划详情")
def get_region(request: HttpRequest, code: str) -> dict[str, Any]:
    region = selectors.access_region(actor_of(request), code)
    return {
        **_region(region),
        "path": _path(selectors.region_path(region)),
        "descendants": [
            {"level_label": label, "count": n}
            for label, n in selectors.region_descendant_counts(region)
        ],
        "has_profile": selectors.village_profile(region) is not None,
    }


@router.get("/regions/{code}/profile", response=ProfileOut, summary="村情信息")
def get_profile(request: HttpRequest, code: str) -> dict[str, Any]:
    region = selectors.access_village(actor_of(request), code)
    return _profile(region, selectors.village_profile(region))


@router.put(
    "/regions/{code}/profile", response=ProfileOut, summary="保存村情信息（version 不符返回 409）"
)
def put_profile(request: HttpRequest, code: str, payload: ProfileIn) -> dict[str, Any]:
    actor = actor_of(request)
    profile = services.village_profile_update(actor=actor, code=code, **payload.dict())
    return _profile(profile.region, profile)


# --- organisations ---------------------------------------------------------------------------


@router.get("/organisations", response=list[OrganisationOut], summary="组织机构列表")
@paginate(Pagination)
def list_organisations(
    request: HttpRequest,
    region: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    if not region and not actor.region_codes(Perm.ORG_VIEW):
        raise PermissionDenied()
    qs = selectors.organisation_list(actor, region_code=region, kind=kind, q=q)
    return LazyPage.rows(qs, lambda o: _organisation(actor, o))  # type: ignore[return-value]


@router.post("/organisations", response={201: OrganisationOut}, summary="新建组织机构")
def create_organisation(
    request: HttpRequest, payload: OrganisationCreateIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    org = services.organisation_create(actor=actor, **payload.dict())
    return Status(201, _organisation(actor, org))


@router.get("/organisations/{org_id}", response=OrganisationOut, summary="组织机构详情")
def get_organisation(request: HttpRequest, org_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    return _organisation(actor, selectors.access_organisation(actor, org_id))


@router.put("/organisations/{org_id}", response=OrganisationOut, summary="修改组织机构")
def put_organisation(
    request: HttpRequest, org_id: int, payload: OrganisationUpdateIn
) -> dict[str, Any]:
    actor = actor_of(request)
    org = services.organisation_update(actor=actor, pk=org_id, **payload.dict())
    return _organisation(actor, org)


# --- battle zones and command units ----------------------------------------------------------


@router.get("/battle-zones", response=list[BattleZoneOut], summary="攻坚战区列表")
@paginate(Pagination)
def list_battle_zones(request: HttpRequest, county: str | None = None) -> list[dict[str, Any]]:
    qs = selectors.battle_zone_list(actor_of(request), county_code=county)
    return LazyPage.rows(qs, _battle_zone)  # type: ignore[return-value]


@router.post("/battle-zones", response={201: BattleZoneOut}, summary="新建攻坚战区")
def create_battle_zone(request: HttpRequest, payload: BattleZoneIn) -> Status[dict[str, Any]]:
    zone = services.battle_zone_create(actor=actor_of(request), **payload.dict())
    return Status(201, _battle_zone(zone))


@router.get("/command-units", response=list[CommandUnitOut], summary="指挥体系单位列表")
@paginate(Pagination)
def list_command_units(request: HttpRequest, region: str | None = None) -> list[dict[str, Any]]:
    qs = selectors.command_unit_list(actor_of(request), region_code=region)
    return LazyPage.rows(qs, _command_unit)  # type: ignore[return-value]
