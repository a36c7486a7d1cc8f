from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.registry import services
from fupin.registry.models import Doubt, Household, Member
from fupin.registry.validation.sweep import recheck_household, sweep
from fupin.testing import make_user

from .factories import family, household_data, member

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def office(county: Any) -> Any:
    return load_actor(make_user("office", ("poverty_office", county.code)))


def create(actor: Any, village: Any, no: str, *, uninsured: bool = False, **data: Any) -> Household:
    members = family(village.code[:6])
    members[2]["labour"] = "none"  # the child; the model's default (普通劳动力) is a doubt
    if uninsured:
        members[1]["insured_medical"] = False
    return services.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data(no, helper_name="王帮扶", **data),
        members=members,
    ).household


def codes_of(household: Household) -> list[str]:
    return sorted(Doubt.objects.filter(household=household).values_list("rule_code", flat=True))


def test_sweep_records_doubts_with_member_and_region(office: Any, village: Any) -> None:
    clean = create(office, village, "5109810001")
    flagged = create(office, village, "5109810002", uninsured=True)
    result = sweep(region_code=village.code[:6])
    assert result.households == 2 and result.doubts == 1 and result.by_rule == {"M019": 1}
    assert codes_of(clean) == []
    doubt = Doubt.objects.get(household=flagged)
    assert doubt.member is not None and doubt.member.name == "李秀兰"
    assert doubt.message == "成员 李秀兰 未参加城乡居民基本医疗保险"
    assert doubt.severity == "warning"
    assert (doubt.region_code, doubt.county_code) == (village.code, "510981")


def test_sweep_replaces_and_clears_when_fixed(office: Any, village: Any) -> None:
    household = create(office, village, "5109810001", uninsured=True)
    sweep(region_code=village.code)
    sweep(region_code=village.code)
    assert codes_of(household) == ["M019"]  # replaced, not doubled
    Member.objects.filter(household=household).update(insured_medical=True)
    Household.objects.filter(pk=household.pk).update(helper_name="")
    sweep(region_code=village.code)
    assert codes_of(household) == ["H007"]


def test_removed_household_loses_its_doubts(office: Any, village: Any) -> None:
    household = create(office, village, "5109810001", uninsured=True)
    sweep()
    Household.objects.filter(pk=household.pk).update(status="removed")
    assert sweep().doubts == 0
    assert codes_of(household) == []


def test_sweep_is_scoped_to_the_region(
    office: Any, village: Any, township: Any, sibling_township: Any, sibling_county: Any
) -> None:
    here = create(office, village, "5109810001", uninsured=True)
    there_village = sibling_township.children.order_by("code").first()
    there = create(office, there_village, "5109810002", uninsured=True)
    other_office = load_actor(make_user("other", ("poverty_office", sibling_county.code)))
    far_village = sibling_county.children.first().children.first()
    far = create(other_office, far_village, "5109030001", uninsured=True)
    Doubt.objects.all().delete()  # saving may already have rechecked each household
    result = sweep(region_code=township.code)
    assert result.households == 1 and codes_of(here) == ["M019"]
    assert codes_of(there) == [] and codes_of(far) == []
    assert sweep(region_code="510981").households == 2
    assert codes_of(far) == []
    assert sweep(county_code=sibling_county.code).households == 1
    assert codes_of(far) == ["M019"]


def test_sweep_walks_in_bounded_chunks(office: Any, village: Any) -> None:
    for n in range(5):
        create(office, village, f"51098100{n:02d}", uninsured=n % 2 == 0)
    with CaptureQueriesContext(connection) as small_chunks:
        result = sweep(region_code=village.code, chunk_size=2)
    assert result.chunks == 3 and result.households == 5 and result.doubts == 3
    assert Doubt.objects.count() == 3
    household_selects = [
        q for q in small_chunks.captured_queries if 'FROM "registry_household"' in q["sql"]
    ]
    assert len(household_selects) == 3
    # Each chunk costs a fixed number of queries, whatever its size: no per-household query.
    with CaptureQueriesContext(connection) as one_chunk:
        assert sweep(region_code=village.code, chunk_size=10).chunks == 1
    assert len(one_chunk.captured_queries) <= 12


def test_recheck_household_refreshes_only_that_household(office: Any, village: Any) -> None:
    first = create(office, village, "5109810001", uninsured=True)
    second = create(office, village, "5109810002", uninsured=True)
    sweep()
    Member.objects.filter(household=first).update(insured_medical=True)
    rows = recheck_household(first)
    assert rows == [] and codes_of(first) == []
    assert codes_of(second) == ["M019"]


def test_command_prints_counts_by_rule(office: Any, village: Any, county: Any) -> None:
    create(office, village, "5109810001", uninsured=True)
    out = StringIO()
    call_command("registry_sweep", "--region", county.code, stdout=out)
    text = out.getvalue()
    assert "校验 1 户，发现疑点 1 条" in text
    assert "M019 未参加基本医疗保险：1 条" in text


def test_command_if_no_doubts_skips_a_swept_region(
    office: Any, village: Any, county: Any, sibling_county: Any
) -> None:
    create(office, village, "5109810001", uninsured=True)
    Doubt.objects.all().delete()  # entry already recorded the household's doubts
    out = StringIO()
    call_command("registry_sweep", "--region", county.code, "--if-no-doubts", stdout=out)
    assert "发现疑点 1 条" in out.getvalue()
    out = StringIO()
    call_command("registry_sweep", "--region", county.code, "--if-no-doubts", stdout=out)
    assert "跳过排查" in out.getvalue()


def test_entry_warns_and_sweep_reads_region_parameters(
    office: Any, village: Any, sibling_county: Any
) -> None:
    from fupin.core.models import Parameter

    members = family(village.code[:6])
    seven = dt.date(timezone.localdate().year - 7, 1, 1)
    members[2] = member(
        village.code[:6], "张小明", "son", seven, labour="none", schooling="dropout"
    )
    result = services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810001", helper_name="王帮扶"),
        members=members,
    )
    assert [w.code for w in result.warnings] == ["M006"]
    # A county raising the compulsory age range's start above the child's age clears the doubt.
    Parameter.objects.create(
        key="registry.compulsory_school_age_from", region_code=village.code[:6], value=8
    )
    Parameter.objects.create(
        key="registry.compulsory_school_age_from", region_code=sibling_county.code, value=5
    )
    assert sweep(region_code=village.code).by_rule == {"M008": 1}
