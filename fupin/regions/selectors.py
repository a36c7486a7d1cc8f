"""Scoped reads of the region tree, village profiles, groupings and organisations.

Every selector takes the actor first and filters by region-code prefix; single-object access
raises NotFound for a missing row and for one outside the jurisdiction alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Lookup, Q, QuerySet

from fupin.core.access import ALL_REGIONS, Actor, Perm
from fupin.core.errors import NotFound

from .models import (
    CODE_LENGTH,
    BattleZone,
    CommandUnit,
    Level,
    Organisation,
    Region,
    VillageProfile,
)

SEARCH_LIMIT = 50


class ILikeContains(Lookup):  # type: ignore[type-arg]
    """Case-insensitive `contains` as `ILIKE '%q%'`, which the pg_trgm GIN index on
    regions_region.name serves (Django's icontains compiles to UPPER(name) LIKE, which it
    cannot)."""

    lookup_name = "trgm_icontains"

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return ("%s", [f"%{escaped}%"])

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


Region._meta.get_field("name").register_lookup(ILikeContains)  # this field only


def _code_shape_ok(code: str) -> bool:
    return code.isdigit() and len(code) in CODE_LENGTH.values()


# --- regions ---------------------------------------------------------------------------------


def access_region(actor: Actor, code: str, perm: Perm = Perm.REGION_VIEW) -> Region:
    """The region `code` if the actor holds `perm` there (404 outside, 403 inside without)."""
    if not _code_shape_ok(code):
        raise NotFound()
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    actor.require(perm, region.code)
    return region


def region_roots(actor: Actor) -> QuerySet[Region]:
    """The top of the actor's tree: provinces for a nationwide actor, else its grant regions."""
    codes = actor.region_codes(Perm.REGION_VIEW)
    qs = Region.objects.annotate(child_count=Count("children"))
    if ALL_REGIONS in codes:
        return qs.filter(level=Level.PROVINCE).order_by("code")
    return qs.filter(code__in=codes).order_by("code")


def region_children(actor: Actor, code: str | None) -> QuerySet[Region]:
    """Children of `code` (checked against the jurisdiction); the roots when code is None."""
    if not code:
        return region_roots(actor)
    parent = access_region(actor, code)
    return (
        Region.objects.filter(parent_id=parent.code)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def region_path(region: Region) -> list[Region]:
    """Ancestors from the province down, then the region itself (one query)."""
    codes = region.ancestor_codes()
    ancestors = {r.code: r for r in Region.objects.filter(code__in=codes)} if codes else {}
    return [ancestors[c] for c in codes if c in ancestors] + [region]


def region_descendant_counts(region: Region) -> list[tuple[str, int]]:
    """(level label, number of descendants) for each level below the region."""
    rows = dict(
        Region.objects.filter(code__startswith=region.code, level__gt=region.level)
        .values_list("level")
        .annotate(n=Count("code"))
        .values_list("level", "n")
    )
    return [(Level(level).label, rows.get(level, 0)) for level in range(region.level + 1, 6)]


@dataclass(frozen=True)
class SearchHit:
    region: Region
    path: list[Region]

    @property
    def path_label(self) -> str:
        return "/".join(r.name for r in self.path)


def region_search(actor: Actor, q: str, *, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Regions whose name contains `q`, inside the jurisdiction, with their full paths."""
    q = q.strip()
    if not q:
        return []
    limit = max(1, min(limit, SEARCH_LIMIT))
    hits = list(
        Region.objects.filter(
            actor.scope_q(Perm.REGION_VIEW, field="code"), name__icontains=q
        ).order_by("level", "code")[:limit]
    )
    wanted = {c for r in hits for c in r.ancestor_codes()}
    names = {r.code: r for r in Region.objects.filter(code__in=wanted)} if wanted else {}
    return [
        SearchHit(region=r, path=[names[c] for c in r.ancestor_codes() if c in names] + [r])
        for r in hits
    ]


def village_profile(region: Region) -> VillageProfile | None:
    if region.level != Level.VILLAGE:
        return None
    return VillageProfile.objects.filter(region_id=region.code).first()


def access_village(actor: Actor, code: str, perm: Perm = Perm.REGION_VIEW) -> Region:
    region = access_region(actor, code, perm)
    if region.level != Level.VILLAGE:
        raise NotFound("该区划不是村/社区，没有村情信息")
    return region


# --- battle zones ----------------------------------------------------------------------------


def battle_zone_list(actor: Actor, *, county_code: str | None = None) -> QuerySet[BattleZone]:
    qs = BattleZone.objects.filter(actor.scope_q(Perm.REGION_VIEW, field="county_code"))
    if county_code:
        access_region(actor, county_code)
        qs = qs.filter(county_code=county_code)
    return qs.select_related("county", "leader").prefetch_related("townships")


def access_battle_zone(actor: Actor, pk: int, perm: Perm = Perm.REGION_VIEW) -> BattleZone:
    zone = BattleZone.objects.select_related("county").filter(pk=pk).first()
    if zone is None:
        raise NotFound()
    actor.require(perm, zone.county_code)
    return zone


def county_townships(county: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent_id=county.code, level=Level.TOWNSHIP).order_by("code")


# --- command units ---------------------------------------------------------------------------


def command_unit_list(actor: Actor, *, region_code: str | None = None) -> QuerySet[CommandUnit]:
    qs = CommandUnit.objects.filter(actor.scope_q(Perm.REGION_VIEW))
    if region_code:
        access_region(actor, region_code)
        qs = qs.filter(region_code__startswith=region_code)
    return (
        qs.select_related("region", "parent")
        .annotate(member_count=Count("members"))
        .order_by("region_code", "kind", "name", "pk")
    )


def access_command_unit(actor: Actor, pk: int, perm: Perm = Perm.REGION_VIEW) -> CommandUnit:
    unit = CommandUnit.objects.select_related("region", "parent").filter(pk=pk).first()
    if unit is None:
        raise NotFound()
    actor.require(perm, unit.region_code)
    return unit


def parent_unit_choices(actor: Actor, region: Region) -> QuerySet[CommandUnit]:
    """Units that may lead a unit of `region`: those of the same region or an ancestor."""
    codes = [*region.ancestor_codes(), region.code]
    return (
        CommandUnit.objects.filter(actor.scope_q(Perm.REGION_VIEW), region_code__in=codes)
        .select_related("region")
        .order_by("region_code", "name")
    )


# --- organisations ---------------------------------------------------------------------------


def organisation_list(
    actor: Actor,
    *,
    region_code: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(actor.scope_q(Perm.ORG_VIEW))
    if region_code:
        access_region(actor, region_code, Perm.ORG_VIEW)
        qs = qs.filter(region_code__startswith=region_code)
    if kind:
        qs = qs.filter(kind=kind)
    if q and q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(credit_code__iexact=q.strip()))
    return qs.select_related("region")


def access_organisation(actor: Actor, pk: int, perm: Perm = Perm.ORG_VIEW) -> Organisation:
    org = Organisation.objects.select_related("region").filter(pk=pk).first()
    if org is None:
        raise NotFound()
    actor.require(perm, org.region_code)
    return org


class _RegionDirectory:
    """What the platform layer asks of the division tree (core.access.directory)."""

    def exists(self, code: str) -> bool:
        return Region.objects.filter(code=code).exists()

    def names(self, codes: Iterable[str]) -> dict[str, str]:
        return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


REGION_DIRECTORY = _RegionDirectory()
