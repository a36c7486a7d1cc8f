"""The 疑点 sweep: run the whole catalogue over a region's households and keep the hits.

Households are walked in keyset chunks on id (bounded memory: one chunk of households with
their members and incomes at a time). For each chunk, the Doubt rows of exactly the households
checked are replaced in one transaction (delete + bulk insert), so a fixed household's doubts
disappear and an interrupted sweep leaves every chunk either old or new, never half.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from fupin.core import params
from fupin.registry import codes
from fupin.registry.models import Doubt, Household, Income, Member

from .base import Bundle, Issue, validate_bundle

CHUNK_SIZE = 2000
# Removed and dissolved households are out of the registry's population: no doubts.
SWEPT_STATUSES = frozenset((codes.Status.POOR, codes.Status.EXITED, codes.Status.RETURNED))
MESSAGE_MAX = Doubt._meta.get_field("message").max_length or 500


@dataclass
class SweepResult:
    households: int = 0
    doubts: int = 0
    chunks: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)


class _Lookups:
    """Parameter and line lookups cached per (region, key, year) for the whole sweep, so a
    sweep of a county asks the parameter table once per village and year, not per household."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str, int | None], Any] = {}

    def get(self, key: str, region_code: str, year: int | None = None) -> Any:
        token = (region_code, key, year)
        if token not in self.cache:
            self.cache[token] = params.get(key, region_code=region_code, year=year)
        return self.cache[token]

    def bundle(self, household: Household, today: dt.date) -> Bundle:
        code = household.region_code

        def line(key: str) -> Callable[[int], Decimal]:
            return lambda year: Decimal(str(self.get(key, code, year)))

        return Bundle(
            household=household,
            members=list(household.members.all()),
            incomes=list(household.incomes.all()),
            today=today,
            poverty_line=line("registry.poverty_line"),
            monitoring_line=line("registry.monitoring_line"),
            param_lookup=lambda key: self.get(key, code),
        )


def _doubts(household: Household, bundle: Bundle, issues: list[Issue]) -> list[Doubt]:
    rows = []
    for issue in issues:
        member_id = None
        if issue.member_index is not None and issue.member_index < len(bundle.members):
            member_id = bundle.members[issue.member_index].pk
        rows.append(
            Doubt(
                household_id=household.pk,
                member_id=member_id,
                county_code=household.county_code,
                region_code=household.region_code,
                rule_code=issue.code,
                severity=issue.severity.value,
                message=issue.message[:MESSAGE_MAX],
            )
        )
    return rows


def _with_related(query: Any) -> Any:
    return query.prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("id")),
        Prefetch("incomes", queryset=Income.objects.order_by("year")),
    )


def _check(households: list[Household], lookups: _Lookups, today: dt.date) -> list[Doubt]:
    rows: list[Doubt] = []
    for household in households:
        if household.status not in SWEPT_STATUSES:
            continue
        bundle = lookups.bundle(household, today)
        rows.extend(_doubts(household, bundle, validate_bundle(bundle)))
    return rows


def _replace(household_ids: list[int], rows: list[Doubt]) -> None:
    with transaction.atomic():
        Doubt.objects.filter(household_id__in=household_ids).delete()
        Doubt.objects.bulk_create(rows, batch_size=1000)


def sweep(
    *,
    region_code: str = "",
    county_code: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    today: dt.date | None = None,
) -> SweepResult:
    """Check every household under `region_code` (all when empty) and replace their 疑点."""
    today = today or timezone.localdate()
    base = Household.objects.all()
    if region_code:
        base = base.filter(region_code__startswith=region_code)
    if county_code is None and len(region_code) >= 6:
        county_code = region_code[:6]
    if county_code:
        base = base.filter(county_code=county_code)
    lookups = _Lookups()
    result = SweepResult()
    last_id = 0
    while True:
        chunk = list(_with_related(base.filter(id__gt=last_id).order_by("id"))[:chunk_size])
        if not chunk:
            break
        last_id = chunk[-1].pk
        rows = _check(chunk, lookups, today)
        _replace([h.pk for h in chunk], rows)
        result.households += len(chunk)
        result.doubts += len(rows)
        result.chunks += 1
        result.by_rule.update(row.rule_code for row in rows)
        if len(chunk) < chunk_size:
            break
    return result


def recheck_household(household: Household, today: dt.date | None = None) -> list[Doubt]:
    """Refresh one household's 疑点 (call after an edit); returns the rows now stored."""
    fresh = _with_related(Household.objects.filter(pk=household.pk)).first()
    if fresh is None:
        return []
    rows = _check([fresh], _Lookups(), today or timezone.localdate())
    _replace([fresh.pk], rows)
    return rows
