import datetime as dt

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core import crypto
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.registry import selectors, services
from fupin.registry.models import Household, Member
from fupin.testing import make_user

from .factories import family, household_data, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(county):
    return load_actor(make_user("office", ("poverty_office", county.code)))


def create(actor, village, no="5109810001", members=None):
    return services.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data(no),
        members=members or family(village.code[:6]),
    ).household


def test_create_household_stores_ids_encrypted(office, village):
    household = create(office, village)
    assert household.head_name == "张大山"
    assert household.declared_size == 3
    assert household.county_code == "510981"
    m = household.members.get(relation="head")
    assert m.sex == "男" and m.birth_date == dt.date(1970, 3, 1)
    assert "1970" not in m.id_cipher and len(m.id_hash) == 64
    assert crypto.decrypt(m.id_cipher).startswith("510981197003")
    assert m.id_masked.startswith("510981") and "*" in m.id_masked


def test_duplicate_id_names_the_other_household(office, village):
    first = create(office, village)
    clash = family(village.code[:6])
    head = first.members.get(relation="head")
    clash[0]["id_number"] = crypto.decrypt(head.id_cipher)
    with pytest.raises(ValidationFailed) as err:
        create(office, village, no="5109810002", members=clash)
    assert "张大山 户" in err.value.message and "5109810001" in err.value.message
    assert Household.objects.count() == 1


def test_duplicate_outside_jurisdiction_is_masked(office, village, sibling_county):
    create(office, village)
    other = load_actor(make_user("other", ("poverty_office", sibling_county.code)))
    other_village = sibling_county.children.first().children.first()
    clash = family(other_village.code[:6])
    clash[0]["id_number"] = crypto.decrypt(Member.objects.get(relation="head").id_cipher)
    with pytest.raises(ValidationFailed) as err:
        create(other, other_village, no="5109030001", members=clash)
    # Nothing about the other household: neither its number, nor its head, nor its ID.
    assert err.value.message == (
        "该身份证号已在其他辖区登记，同一身份证号不能登记在两户，请联系县级扶贫部门核实"
    )


def test_two_heads_refused_with_rule_code(office, village):
    members = family(village.code[:6])
    members[1]["relation"] = "head"
    with pytest.raises(ValidationFailed, match="H001"):
        create(office, village, members=members)


def test_wrong_declared_sex_refused(office, village):
    members = family(village.code[:6])
    members[0]["declared_sex"] = "女"
    with pytest.raises(ValidationFailed, match="性别"):
        create(office, village, members=members)


def test_update_with_stale_version_conflicts(office, village):
    household = create(office, village)
    services.household_update(
        actor=office, pk=household.pk, version=1, data={"phone": "13900000000"}
    )
    with pytest.raises(Conflict):
        services.household_update(actor=office, pk=household.pk, version=1, data={"phone": "1"})


def test_scoping(office, village, sibling_county, county):
    household = create(office, village)
    outsider = load_actor(make_user("x", ("poverty_office", sibling_county.code)))
    with pytest.raises(NotFound):
        selectors.access_household(outsider, household.pk)
    reader = load_actor(make_user("r", ("discipline", county.code)))
    with pytest.raises(PermissionDenied):
        services.household_update(actor=reader, pk=household.pk, version=1, data={"phone": "1"})


def test_income_per_capita(office, village):
    household = create(office, village)
    income = services.income_save(
        actor=office,
        household_id=household.pk,
        year=2019,
        version=0,
        amounts={"wage": 9000, "business": 3000, "transfer_dibao": 1200, "production_costs": 1500},
    )
    assert income.size == 3
    assert str(income.net_total) == "11700.00"
    assert str(income.per_capita) == "3900.00"


def test_member_helper_builds_valid_ids(village):
    m = member(village.code[:6], "王五", "head", dt.date(1980, 1, 1))
    from fupin.core import idnumber

    assert idnumber.is_valid(m["id_number"])


def test_children_default_to_no_labour(office, village):
    household = create(office, village)
    assert household.members.get(relation="son").labour == "none"
    assert household.members.get(relation="head").labour == "ordinary"
