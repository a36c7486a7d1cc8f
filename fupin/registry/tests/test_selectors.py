"""The household list selector: filters, search, keyset pages and cheap counts."""

import datetime as dt

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core import crypto
from fupin.core.errors import NotFound, ValidationFailed
from fupin.registry import selectors, services
from fupin.registry.models import Doubt, Household, Member
from fupin.registry.selectors import HouseholdFilters
from fupin.testing import make_user

from .factories import household_data, member

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def office(county):
    return load_actor(make_user("office", ("poverty_office", county.code)))


def make_households(actor, villages, n):
    """n households spread over `villages`, numbered 51098100NN, main causes alternating."""
    made = []
    for i in range(n):
        village = villages[i % len(villages)]
        members = [
            member("510981", f"王{i:02d}", "head", dt.date(1960, 1, 1) + dt.timedelta(days=i)),
        ]
        cause = "illness" if i % 2 else "disability"
        data = household_data(f"51098100{i:02d}", main_cause=cause, identified_year=2014 + i % 3)
        made.append(
            services.household_create(
                actor=actor, village_code=village.code, data=data, members=members
            ).household
        )
    return made


@pytest.fixture
def villages(township):
    return list(township.children.order_by("code")[:3])


def walk(actor, filters, limit):
    seen, after, pages = [], None, 0
    while True:
        page = selectors.household_list(actor, filters=filters, after=after, limit=limit)
        seen += [h.pk for h in page.items]
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        after = page.next_cursor


def test_keyset_pages_visit_every_household_once_in_order(office, villages):
    made = make_households(office, villages, 30)
    seen, pages = walk(office, HouseholdFilters(), limit=7)
    assert pages == 5
    assert sorted(seen) == sorted(h.pk for h in made)
    expected = [h.pk for h in sorted(made, key=lambda h: (h.region_code, h.pk))]
    assert seen == expected


def test_filters(office, villages):
    made = make_households(office, villages, 12)
    Household.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(
        status="exited", exit_year=2019
    )
    Household.objects.filter(pk=made[2].pk).update(attribute="dibao", other_causes=["no_land"])
    Doubt.objects.create(
        household=made[3],
        county_code="510981",
        region_code=made[3].region_code,
        rule_code="M010",
        severity="warning",
        message="测试疑点",
    )

    def ids(**kw):
        page = selectors.household_list(office, filters=HouseholdFilters(**kw), limit=100)
        return {h.pk for h in page.items}

    assert ids(status="exited") == {made[0].pk, made[1].pk}
    assert ids(exit_year=2019) == {made[0].pk, made[1].pk}
    assert ids(attribute="dibao") == {made[2].pk}
    assert ids(cause="no_land") == set()
    assert ids(cause="no_land", any_cause=True) == {made[2].pk}
    assert ids(cause="illness") == {h.pk for i, h in enumerate(made) if i % 2}
    assert ids(identified_year=2015) == {h.pk for i, h in enumerate(made) if i % 3 == 1}
    assert ids(rule="M010") == {made[3].pk}
    assert ids(region=villages[1].code) == {h.pk for i, h in enumerate(made) if i % 3 == 1}


def test_search_by_id_number_household_number_and_name(office, villages):
    made = make_households(office, villages, 5)
    target = made[3]
    number = crypto.decrypt(target.members.get().id_cipher)

    def ids(q):
        page = selectors.household_list(office, filters=HouseholdFilters(q=q), limit=100)
        return [h.pk for h in page.items]

    assert ids(number) == [target.pk]
    assert ids(number.lower()) == [target.pk]  # a lower-case x check digit still matches
    assert ids(target.household_no) == [target.pk]
    assert ids("王03") == [target.pk]
    assert len(ids("王")) == 5
    # A member's name (not the head) finds the household too.
    spouse = member("510981", "赵春梅", "spouse", dt.date(1962, 2, 2), male=False)
    services.member_add(actor=office, household_id=made[1].pk, data=spouse)
    assert ids("赵春") == [made[1].pk]


def test_counts_exact_in_a_village_and_capped_above(office, villages, monkeypatch):
    make_households(office, villages, 6)
    page = selectors.household_list(office, filters=HouseholdFilters(region=villages[0].code))
    assert (page.count, page.count_label) == (2, "2")
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    page = selectors.household_list(office, filters=HouseholdFilters(), limit=2)
    assert page.count_label == "1万+"


def test_jurisdiction(office, villages, county, sibling_county):
    make_households(office, villages, 3)
    other = load_actor(make_user("other", ("poverty_office", sibling_county.code)))
    assert selectors.household_list(other, filters=HouseholdFilters()).items == []
    with pytest.raises(NotFound):
        selectors.household_list(other, filters=HouseholdFilters(region=county.code))
    with pytest.raises(NotFound):
        selectors.household_list(other, filters=HouseholdFilters(region="51098"))


def test_bad_cursor_is_a_chinese_validation_error(office):
    with pytest.raises(ValidationFailed, match="翻页参数无效"):
        selectors.household_list(office, filters=HouseholdFilters(), after="!!garbage")


def test_members_keep_left_members_last(office, villages):
    (household,) = make_households(office, villages, 1)
    assert [m.name for m in selectors.members_of(household)] == ["王00"]
    assert Member.objects.count() == 1
