"""Scoped reads of the rule catalogue and the 疑点 (doubts) found by the sweep."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from fupin.core import stats
from fupin.core.access import ALL_REGIONS, Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import NotFound, PermissionDenied
from fupin.regions.models import CODE_LENGTH, LEVEL_OF_LENGTH, Level, Region
from fupin.registry.figures import DOUBTS
from fupin.registry.models import Doubt, Household, Income, Member

from .base import Rule, all_rules

SHAPES = frozenset(CODE_LENGTH.values())


@dataclass(frozen=True)
class RuleCount:
    rule: Rule | None
    code: str
    count: int

    @property
    def name(self) -> str:
        return self.rule.name if self.rule else "（已停用的规则）"


@dataclass(frozen=True)
class ChildCount:
    region: Region
    count: int


def field_labels(fields: tuple[str, ...]) -> list[str]:
    """Chinese labels of the fields a rule concerns (household, member or income fields)."""
    labels = []
    for name in fields:
        label = name
        for model in (Household, Member, Income):
            try:
                label = str(getattr(model._meta.get_field(name), "verbose_name", name))
                break
            except FieldDoesNotExist:
                continue
        labels.append(label)
    return labels


def region_for(actor: Actor, code: str | None) -> Region | None:
    """The region chosen by `?region=` (404 outside the jurisdiction); without one, the
    actor's single jurisdiction region, or None when the actor spans several (or all)."""
    if code:
        code = code.strip()
        if not code.isdigit() or len(code) not in SHAPES:
            raise NotFound()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise NotFound()
        actor.require(Perm.HOUSEHOLD_VIEW, region.code)
        return region
    codes = actor.region_codes(Perm.HOUSEHOLD_VIEW)
    if not codes:
        raise PermissionDenied()
    if len(codes) == 1 and codes[0] != ALL_REGIONS:
        return Region.objects.filter(code=codes[0]).first()
    return None


def _scoped(actor: Actor, region: Region | None) -> QuerySet[Doubt]:
    qs = Doubt.objects.filter(actor.scope_q(Perm.HOUSEHOLD_VIEW, field="region_code"))
    if region is not None:
        qs = qs.filter(region_code__startswith=region.code)
    return qs


def _scope(actor: Actor, region: Region | None) -> list[str]:
    """The region prefixes a count covers: the region being viewed (already checked by
    `region_for`), otherwise the actor's jurisdiction."""
    return [region.code] if region is not None else actor.region_codes(Perm.HOUSEHOLD_VIEW)


def counts_by_rule(actor: Actor, region: Region | None) -> list[RuleCount]:
    """Doubts per rule inside the region (and the jurisdiction), most frequent first; read
    from the `registry.doubts` rollup, never from the doubt rows."""
    rules = {r.code: r for r in all_rules()}
    hits = stats.read(DOUBTS.name, regions=_scope(actor, region), by=("rule",)).by("rule", "doubts")
    ordered = sorted((item for item in hits.items() if item[1]), key=lambda i: (-i[1], i[0]))
    return [RuleCount(rules.get(code), code, n) for code, n in ordered]


def rule_catalogue(actor: Actor, region: Region | None) -> list[RuleCount]:
    """Every rule with its live hit count (0 when it found nothing)."""
    hits = {c.code: c.count for c in counts_by_rule(actor, region)}
    return [RuleCount(r, r.code, hits.get(r.code, 0)) for r in all_rules()]


def child_regions(actor: Actor, region: Region | None) -> list[Region]:
    if region is not None:
        if region.level >= Level.VILLAGE:
            return []
        return list(Region.objects.filter(parent=region).order_by("code"))
    codes = actor.region_codes(Perm.HOUSEHOLD_VIEW)
    if ALL_REGIONS in codes:
        return list(Region.objects.filter(level=Level.PROVINCE).order_by("code"))
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def counts_by_child(
    actor: Actor, region: Region | None, rule_code: str | None = None
) -> list[ChildCount]:
    """Doubts per child region (county → townships → villages) from the rollup: one read of
    the region's children, or one per code length of the jurisdiction's roots."""
    children = child_regions(actor, region)
    if not children:
        return []
    by = ("rule",) if rule_code else ()
    counts: dict[str, int] = {}
    lengths = sorted({len(c.code) for c in children})
    for length in lengths:  # children of one parent share a length; roots may not
        codes = [c.code for c in children if len(c.code) == length]
        scope = [region.code] if region is not None else codes
        reading = stats.read(DOUBTS.name, regions=scope, by=by, level=LEVEL_OF_LENGTH[length])
        for row in reading.rows:
            if rule_code is None or row["rule"] == rule_code:
                code = row["region_code"]
                counts[code] = counts.get(code, 0) + row["doubts"]
    return [ChildCount(c, counts.get(c.code, 0)) for c in children]


# The list's order: by village, then household (index doubt_region_household).
DOUBT_KEYS = keyset.keys("~region_code", "household_id", "id")


def doubt_list(
    actor: Actor,
    region: Region | None,
    *,
    rule_code: str | None = None,
    severity: str | None = None,
) -> QuerySet[Doubt]:
    qs = _scoped(actor, region)
    if rule_code:
        qs = qs.filter(rule_code=rule_code)
    if severity:
        qs = qs.filter(severity=severity)
    return qs.select_related("household", "member").order_by(
        "region_code", "household_id", "rule_code", "id"
    )


def household_count(region: Region) -> int:
    return Household.objects.filter(
        region_code__startswith=region.code, county_code__startswith=region.code[:6]
    ).count()
