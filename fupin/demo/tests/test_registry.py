"""The demo registry: deterministic, idempotent, realistic and valid."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from fupin.audit.models import AuditBatch, AuditEvent
from fupin.core import crypto, idnumber
from fupin.demo.registry import HOUSEHOLD_COLUMNS, build_rows, load_registry
from fupin.demo.services import DEMO_COUNTY, load_demo
from fupin.registry.models import Household, HouseholdSnapshot, Income, Member
from fupin.registry.services import bundle_for
from fupin.registry.validation import validate_bundle
from fupin.testing import shared_data

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

SMALL = 500


@pytest.fixture(scope="module")
def small_demo_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The small registry is loaded once for the module; each test's changes roll back."""
    with shared_data(django_db_blocker):
        load_demo(province=None, households=0)  # profiles, users; no registry yet
        result = load_registry(households=SMALL)
        assert result is not None
        yield result


@pytest.fixture
def small_demo(small_demo_once: Any) -> Any:
    return small_demo_once


def test_small_registry_loads_fast_and_is_shaped_like_a_poor_county(small_demo: Any) -> None:
    r = small_demo
    rate = r.seconds / r.households
    print(
        f"\ndemo registry: {r.households} households, {r.members} members, {r.incomes} incomes,"
        f" {r.snapshots} snapshots in {r.seconds:.1f}s {r.timings};"
        f" ≈{rate * 18000:.0f}s extrapolated to 18,000 households"
    )
    assert r.households == SMALL == Household.objects.filter(county_code=DEMO_COUNTY).count()
    assert 2.7 <= r.members / r.households <= 3.4
    households = Household.objects.filter(county_code=DEMO_COUNTY)
    # Distributions on a larger in-memory generation (no database writes).
    rows, anomalies = build_rows(
        households=3000,
        seed=20151129,
        county_code=DEMO_COUNTY,
        ids=list(range(1, 3001)),
        today=dt.date(2026, 6, 1),
    )
    col = {name: n for n, name in enumerate(HOUSEHOLD_COLUMNS)}
    n = len(rows.households)
    assert 2.8 <= len(rows.members) / n <= 3.3

    def share(column: str, value: Any) -> float:
        return sum(1 for r in rows.households if r[col[column]] == value) / n

    assert 0.71 <= share("attribute", "general") <= 0.79
    assert 0.17 <= share("attribute", "dibao") <= 0.23
    assert 0.03 <= share("attribute", "tekun") <= 0.07
    assert 0.35 <= share("main_cause", "illness") <= 0.45
    assert 0.12 <= share("main_cause", "disability") <= 0.18
    causes = {r[col["main_cause"]] for r in rows.households}
    assert {"no_labour", "no_skills", "schooling", "no_capital"} <= causes
    assert share("identified_year", 2014) >= 0.8
    exits = Counter(r[col["exit_year"]] for r in rows.households)
    assert set(exits) - {None} <= set(range(2014, 2021))
    assert sum(exits[y] for y in range(2016, 2020)) / n >= 0.7
    assert share("status", "exited") >= 0.97
    assert anomalies["dangerous_house"] == 1
    # Most households in the 48 poor villages.
    poor_villages = households.filter(village__profile__is_poor_village=True).count()
    assert poor_villages / SMALL >= 0.75
    # Housing: C/D only where not rebuilt, and never for an exited household.
    assert not households.filter(housing_grade__in="CD", housing_rebuilt=True).exists()
    assert not households.filter(housing_grade__in="CD", status="exited").exists()
    assert households.filter(housing_grade__in="AB").count() / SMALL >= 0.98
    # Insurance mostly covered; helpers named.
    assert Member.objects.filter(insured_medical=False).count() <= 10
    assert not households.filter(helper_name="").exists()
    helper = households.filter(helper__username="demo_helper")
    assert helper.exists() and all(h.helper_name == "彭红霞" for h in helper)


def test_exited_households_are_above_the_line_of_their_exit_year(small_demo: Any) -> None:
    from fupin.registry.services import line_lookup

    poverty, _ = line_lookup(DEMO_COUNTY)
    rows = Income.objects.filter(household__county_code=DEMO_COUNTY, household__status="exited")
    below_after_exit = 0
    for year, exit_year, per_capita in rows.values_list(
        "year", "household__exit_year", "per_capita"
    ).iterator():
        if exit_year is not None and year >= exit_year and per_capita < poverty(year):
            below_after_exit += 1
    assert below_after_exit == 0
    # Incomes grow: the county mean per capita of 2025 is well above that of 2014.
    from django.db.models import Avg

    means = dict(
        Income.objects.filter(county_code=DEMO_COUNTY, year__in=[2014, 2025])
        .values_list("year")
        .annotate(Avg("per_capita"))
    )
    assert means[2025] > 2 * means[2014]


def test_every_id_number_is_valid_unique_and_local(small_demo: Any) -> None:
    members = list(
        Member.objects.filter(county_code=DEMO_COUNTY).values_list(
            "id_cipher", "id_hash", "sex", "birth_date"
        )
    )
    numbers = [crypto.decrypt(c) for c, *_ in members]
    assert len(set(numbers)) == len(numbers) == len({h for _, h, *_ in members})
    for number, (_, _, sex, birth) in zip(numbers, members, strict=True):
        info = idnumber.parse(number)
        assert info.area_code == "510981" and info.sex == sex and info.birth_date == birth


def test_family_relations_and_ages_are_plausible(small_demo: Any) -> None:
    heads = Member.objects.filter(county_code=DEMO_COUNTY, relation="head", left_on=None)
    assert heads.count() == SMALL
    per_household = Household.objects.annotate(
        n=Count("members", filter=Q(members__left_on=None))
    ).filter(county_code=DEMO_COUNTY)
    assert all(h.n == h.declared_size for h in per_household)
    today = timezone.localdate()
    for m in Member.objects.filter(county_code=DEMO_COUNTY).select_related("household"):
        age = today.year - m.birth_date.year
        if m.relation in {"spouse", "daughter_in_law", "father", "mother"}:
            assert age >= 20, m.relation
        if m.relation in {"grandson", "granddaughter"}:
            assert age <= 20
        if 7 <= age <= 14 and m.left_on is None:
            assert m.schooling in {"primary", "junior", "dropout"}


def test_demo_passes_the_error_rules(small_demo: Any) -> None:
    sample = random.Random(7).sample(
        list(Household.objects.filter(county_code=DEMO_COUNTY).values_list("pk", flat=True)), 200
    )
    errors = []
    for household in Household.objects.filter(pk__in=sample):
        errors += [
            f"{household.household_no} {i.code} {i.message}"
            for i in validate_bundle(bundle_for(household))
            if i.is_error
        ]
    assert errors == []


def test_load_is_one_audit_batch_with_a_summary_row_per_copy(small_demo: Any) -> None:
    batch = AuditBatch.objects.get(kind="demo.registry")
    assert batch.reason == "演示数据" and batch.row_count > SMALL * 10
    events = AuditEvent.objects.filter(batch_id=batch.pk)
    assert sorted(events.values_list("table_name", flat=True)) == [
        "registry_household",
        "registry_income",
        "registry_member",
    ]
    assert set(events.values_list("action", flat=True)) == {"B"}


def test_snapshots_for_the_demo_years(small_demo: Any) -> None:
    years = dict(HouseholdSnapshot.objects.values_list("year").annotate(Count("id")).order_by())
    assert sorted(years) == [2016, 2018, 2020, 2025]
    assert years[2025] == SMALL
    assert HouseholdSnapshot.objects.filter(year=2016, status="poor").count() > (
        HouseholdSnapshot.objects.filter(year=2018, status="poor").count()
    )


def test_idempotent(small_demo: Any, django_assert_max_num_queries: Any) -> None:
    before = (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count())
    with django_assert_max_num_queries(12):
        assert load_demo(province=None) is False
    assert (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count()) == before


def test_generation_is_deterministic(small_demo: Any) -> None:
    """Two generations from the seed are identical apart from the ciphertexts' nonces."""

    def shape(n: int) -> tuple[Any, ...]:
        rows, _ = build_rows(
            households=n,
            seed=20151129,
            county_code=DEMO_COUNTY,
            ids=list(range(1, n + 1)),
            today=dt.date(2026, 6, 1),
        )
        hh = [r[4:9] + r[12:20] for r in rows.households]  # skip timestamps
        mm = [r[5:6] + r[7:] for r in rows.members]  # skip timestamps and cipher
        ii = [r[3:] for r in rows.incomes]
        return len(hh), len(mm), len(ii), hh, mm, ii

    first, second = shape(300), shape(300)
    assert first[:3] == second[:3]
    assert first == second
