"""Scoped reads of the registry: the household list (filters, keyset pages, cheap counts) and
what a household's detail page shows.

Paging is keyset on (region_code, id) through the platform's `fupin.core.api.keyset`, never
OFFSET. `region_code` is indexed with varchar_pattern_ops (for the prefix jurisdiction filter),
so the order and the "after" test use the pattern operators (~<~, ~>~) that index understands:
the next page of a million-row county is an index range scan, not a sort.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from fupin.core import codelists
from fupin.core.access import Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import NotFound
from fupin.core.idnumber import normalize
from fupin.regions.models import Region

from . import codes, identity, privacy, services
from .models import Doubt, Household, Income, Member, MemberChange

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
COUNT_CAP = keyset.COUNT_CAP
ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
REGION_SHAPE = re.compile(r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")


@dataclass
class HouseholdFilters:
    region: str = ""  # region code prefix (validated against the jurisdiction)
    status: str = ""
    attribute: str = ""
    cause: str = ""
    any_cause: bool = False  # match the main cause or any other cause
    identified_year: int | None = None
    exit_year: int | None = None
    rule: str = ""  # households with a 疑点 of this rule code
    q: str = ""  # exact ID number, exact household number, or head/member name prefix

    @property
    def narrow(self) -> bool:
        """Filtered to a township or a village: exact counts are cheap there."""
        return len(self.region) >= 9


@dataclass
class HouseholdPage:
    items: list[Household]
    next_cursor: str | None
    count: int
    count_label: str
    filters: HouseholdFilters = field(default_factory=HouseholdFilters)


def _scoped(actor: Actor) -> QuerySet[Household]:
    return Household.objects.filter(actor.scope_q(Perm.HOUSEHOLD_VIEW, field="region_code"))


def household_queryset(actor: Actor, *, filters: HouseholdFilters) -> QuerySet[Household]:
    """Households in the jurisdiction matching `filters`, unordered."""
    qs = _scoped(actor)
    f = filters
    if f.region:
        if not REGION_SHAPE.match(f.region):
            raise NotFound()
        region = Region.objects.filter(code=f.region).first()
        if region is None:
            raise NotFound()
        actor.require(Perm.HOUSEHOLD_VIEW, region.code)
        qs = qs.filter(region_code__startswith=f.region)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.attribute:
        qs = qs.filter(attribute=f.attribute)
    if f.cause:
        cause_q = Q(main_cause=f.cause)
        if f.any_cause:
            cause_q |= Q(other_causes__contains=[f.cause])
        qs = qs.filter(cause_q)
    if f.identified_year:
        qs = qs.filter(identified_year=f.identified_year)
    if f.exit_year:
        qs = qs.filter(exit_year=f.exit_year)
    if f.rule:
        qs = qs.filter(Exists(Doubt.objects.filter(household=OuterRef("pk"), rule_code=f.rule)))
    q = (f.q or "").strip()
    if q:
        number = normalize(q)
        if ID_SHAPE.match(number):
            digest = identity.lookup_hash(number)
            qs = qs.filter(Exists(Member.objects.filter(household=OuterRef("pk"), id_hash=digest)))
        else:
            searched = [f.region] if f.region else actor.region_codes(Perm.HOUSEHOLD_VIEW)
            qs = qs.filter(pk__in=_name_matches(q, searched))
    return qs


def _name_matches(q: str, prefixes: list[str]) -> QuerySet[Any]:
    """Ids of households whose number is `q` or whose head's or a member's name starts with
    it: a UNION of three index searches (the unique number, the trigram indexes on the head
    and member names) instead of `OR EXISTS`, which seq-scans the members. Inside counties
    (`prefixes`: the codes searched) heads and members are narrowed by their county code, so a
    county's search does not collect the province's namesakes."""
    by_number = Household.objects.filter(household_no=q).order_by().values("id")
    heads = Household.objects.filter(head_name__startswith=q)
    members = Member.objects.filter(name__startswith=q)
    if prefixes and all(len(code) >= 6 for code in prefixes):
        counties = sorted({code[:6] for code in prefixes})
        heads = heads.filter(county_code__in=counties)
        members = members.filter(county_code__in=counties)
    by_head = heads.order_by().values("id")
    by_member = members.order_by().values("household_id")
    return by_number.union(by_head, by_member)


PAGE_KEYS = keyset.keys("~region_code", "id")
count_label = keyset.count_label


def household_count(actor: Actor, *, filters: HouseholdFilters) -> tuple[int, str]:
    """A cheap count: exact within a township/village, else counted up to 10,000 ("1万+")."""
    return _count(household_queryset(actor, filters=filters), filters)


def _count(qs: QuerySet[Household], filters: HouseholdFilters) -> tuple[int, str]:
    counted = keyset.exact_count(qs) if filters.narrow else keyset.capped_count(qs, COUNT_CAP)
    return counted.value, counted.label


def household_list(
    actor: Actor,
    *,
    filters: HouseholdFilters,
    after: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    with_count: bool = True,
) -> HouseholdPage:
    """One keyset page of households in (region_code, id) order, with the village's name."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    qs = household_queryset(actor, filters=filters)
    count, label = _count(qs, filters) if with_count else (0, "")
    page = keyset.keyset_page(
        qs.select_related("village"), PAGE_KEYS, cursor=after, limit=limit, cursor_name="after"
    )
    return HouseholdPage(
        items=page.items,
        next_cursor=page.next_cursor,
        count=count,
        count_label=label,
        filters=filters,
    )


# --- a household's detail --------------------------------------------------------------------


def access_household(actor: Actor, pk: int, perm: Perm = Perm.HOUSEHOLD_VIEW) -> Household:
    household = Household.objects.select_related("village").filter(pk=pk).first()
    if household is None:
        raise NotFound()
    actor.require(perm, household.region_code)
    return household


def household_detail(actor: Actor, pk: int) -> Household:
    household = access_household(actor, pk)
    return household


def members_of(household: Household, *, current_only: bool = False) -> list[Member]:
    qs = household.members.all()
    if current_only:
        qs = qs.filter(left_on__isnull=True)
    return list(qs.order_by("left_on", "id"))


def household_members(actor: Actor, pk: int) -> tuple[Household, list[Member]]:
    household = access_household(actor, pk)
    return household, members_of(household)


@dataclass
class IncomeRow:
    income: Income
    poverty_line: Decimal
    monitoring_line: Decimal

    @property
    def above_poverty(self) -> bool:
        return Decimal(self.income.per_capita) >= self.poverty_line

    @property
    def above_monitoring(self) -> bool:
        return Decimal(self.income.per_capita) >= self.monitoring_line


def income_rows(household: Household) -> list[IncomeRow]:
    poverty, monitoring = services.line_lookup(household.region_code)
    return [
        IncomeRow(income=i, poverty_line=poverty(i.year), monitoring_line=monitoring(i.year))
        for i in household.incomes.order_by("-year")
    ]


def doubts_of(household: Household) -> list[Doubt]:
    return list(household.doubts.select_related("member").order_by("rule_code", "id"))


def changes_of(household: Household) -> list[MemberChange]:
    return list(household.changes.select_related("member", "created_by"))


DETAIL_LABELS = {
    "id": "身份证号",
    "id_number": "身份证号",
    "new_head": "新户主",
    "old_relation": "原关系",
    **{f.name: str(f.verbose_name) for f in Member._meta.concrete_fields},
}


def change_details(change: MemberChange) -> list[tuple[str, str]]:
    """A change's details for people: Chinese labels; [old, new] pairs as "old → new"."""

    def show(key: str, value: Any) -> Any:
        if key in ("relation", "old_relation") and value in codes.Relation.values:
            return codelists.label(codes.Relation, value)
        return value

    rows = []
    for key, value in (change.details or {}).items():
        if not isinstance(value, dict | list):
            value = show(key, value)
        if isinstance(value, list) and len(value) == 2:
            old, new = show(key, value[0]), show(key, value[1])
            text = f"{old if old not in (None, '') else '（空）'} → {new}"
        elif isinstance(value, dict):
            text = "，".join(f"{DETAIL_LABELS.get(k, k)}：{show(k, v)}" for k, v in value.items())
        else:
            text = str(value)
        rows.append((DETAIL_LABELS.get(key, key), text))
    return rows


def access_change(actor: Actor, pk: int) -> MemberChange:
    change = MemberChange.objects.select_related("household").filter(pk=pk).first()
    if change is None:
        raise NotFound()
    actor.require(Perm.HOUSEHOLD_VIEW, change.household.region_code)
    return change


def household_changes(actor: Actor, pk: int) -> tuple[Household, list[MemberChange]]:
    household = access_household(actor, pk)
    return household, changes_of(household)


def age_on(member: Member, on: dt.date) -> int:
    return privacy.age_on(member.birth_date, on)


def villages_for_entry(actor: Actor, limit: int = 3000) -> list[Region]:
    """Villages where the actor may register households (for the create form's choice)."""
    from fupin.regions.models import Level

    codes = actor.region_codes(Perm.HOUSEHOLD_EDIT)
    if not codes or actor.is_read_only:
        return []
    query = Q()
    for code in codes:
        query |= Q(code__startswith=code)
    return list(Region.objects.filter(query, level=Level.VILLAGE).order_by("code")[:limit])
