"""Households API: lists with cursors, create, 409 conflicts, members, changes, incomes, scope."""

import datetime as dt

import pytest

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.core import crypto
from fupin.registry import services
from fupin.testing import assert_jurisdiction, call, client_for, make_user

from .factories import family, household_data, member

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"


@pytest.fixture
def household(county_personas, village):
    actor = load_actor(county_personas.in_region)
    return services.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data("5109810001", phone="13812345678"),
        members=family(village.code[:6]),
    ).household


def create_body(village, no="5109810050"):
    members = [{k: v for k, v in m.items()} for m in family("510981")]
    return {
        "village_code": village.code,
        **household_data(no),
        "members": members,
    }


def test_list_with_filters_and_cursor(
    household, county_personas, village, django_assert_max_num_queries
):
    actor = load_actor(county_personas.in_region)
    for i in range(6):
        head = member("510981", f"陈{i}", "head", dt.date(1955, 1, 1) + dt.timedelta(days=i))
        services.household_create(
            actor=actor,
            village_code=village.code,
            data=household_data(f"51098102{i:02d}", attribute="dibao" if i < 2 else "general"),
            members=[head],
        )
    client = client_for(county_personas.in_region)
    seen, after = [], ""
    with django_assert_max_num_queries(15):
        body = client.get(f"{API}/households", {"limit": 3}).json()
    while True:
        body = client.get(
            f"{API}/households", {"limit": "3", **({"after": after} if after else {})}
        ).json()
        seen += [i["id"] for i in body["items"]]
        if not body["next_cursor"]:
            break
        after = body["next_cursor"]
    assert len(seen) == len(set(seen)) == 7 and body["count"] == 7
    dibao = client.get(f"{API}/households", {"attribute": "dibao"}).json()
    assert dibao["count"] == 2 and {i["attribute"] for i in dibao["items"]} == {"dibao"}
    number = crypto.decrypt(household.members.get(relation="head").id_cipher)
    hit = call(client, "post", f"{API}/households/search", {"q": number}).json()["items"]
    assert [i["id"] for i in hit] == [household.pk]
    assert client.get(f"{API}/households", {"after": "bad!"}).status_code == 422


def test_list_jurisdiction(household, county_personas, county):
    other = client_for(county_personas.out_of_region).get(f"{API}/households").json()
    assert other["items"] == [] and other["count"] == 0
    assert_jurisdiction(county_personas, "get", f"{API}/households?region={county.code}")


def test_create_household_with_members(county_personas, village):
    client = client_for(county_personas.in_region)
    response = call(client, "post", f"{API}/households", create_body(village))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["declared_size"] == 3 and body["head_name"] == "张大山"
    members = client.get(f"{API}/households/{body['id']}/members").json()
    assert {m["name"] for m in members} == {"张大山", "李秀兰", "张小明"}


def test_create_refuses_errors_with_rule_codes(county_personas, village):
    client = client_for(county_personas.in_region)
    body = create_body(village)
    body["members"][1]["relation"] = "head"
    response = call(client, "post", f"{API}/households", body)
    assert response.status_code == 422 and "H001" in response.json()["message"]


def test_create_jurisdiction(county_personas, village):
    # The refused calls store nothing, so the in-region call with the same body succeeds.
    assert_jurisdiction(county_personas, "post", f"{API}/households", create_body(village))


def test_get_masks_ids_and_phones_without_personal_permission(household, county):
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    detail = viewer.get(f"{API}/households/{household.pk}").json()
    assert detail["phone"] == "138****5678"
    members = viewer.get(f"{API}/households/{household.pk}/members").json()
    head = household.members.get(relation="head")
    assert members[0]["id_number"] == head.id_masked and "*" in head.id_masked


def test_office_sees_masked_id_numbers_until_an_explicit_reveal(household, county_personas):
    """Masked by default for holders of PERSONAL_DATA_VIEW too (issue 12); `reveal=true` with
    a reason gives the full numbers and records one audit row per member shown."""
    client = client_for(county_personas.in_region)
    url = f"{API}/households/{household.pk}/members"
    head = household.members.get(relation="head")
    full = crypto.decrypt(head.id_cipher)
    assert full not in [m["id_number"] for m in client.get(url).json()]
    missing = client.get(url, {"reveal": "true"})
    assert missing.status_code == 422 and "理由" in missing.json()["message"]
    assert not AuditEvent.objects.filter(action="R").exists()
    members = client.get(url, {"reveal": "true", "reason": "核实身份"}).json()
    assert full in [m["id_number"] for m in members]
    rows = AuditEvent.objects.filter(action="R", table_name="registry_member")
    assert rows.count() == len(members) and {r.reason for r in rows} == {"核实身份"}


def test_put_with_stale_version_is_409_and_keeps_the_first_write(household, county_personas):
    client = client_for(county_personas.in_region)
    url = f"{API}/households/{household.pk}"
    first = call(client, "put", url, {"version": 1, "phone": "13700000001"})
    assert first.status_code == 200 and first.json()["version"] == 2
    second = call(client, "put", url, {"version": 1, "phone": "13700000002"})
    assert second.status_code == 409
    message = second.json()["message"]
    assert message.startswith(f"该户已被 {county_personas.in_region} 于 ")
    assert message.endswith(" 修改，请刷新后重试")
    household.refresh_from_db()
    assert household.phone == "13700000001"


def test_household_jurisdiction(household, county_personas):
    url = f"{API}/households/{household.pk}"
    assert_jurisdiction(county_personas, "get", url)
    assert_jurisdiction(county_personas, "put", url, {"version": 1, "helper_name": "王干部"})
    assert_jurisdiction(county_personas, "get", f"{url}/members")


def test_add_and_update_members(household, county_personas):
    client = client_for(county_personas.in_region)
    baby = member("510981", "张小红", "daughter", dt.date(2020, 6, 1), male=False)
    response = call(client, "post", f"{API}/households/{household.pk}/members", baby)
    assert response.status_code == 201, response.content
    household.refresh_from_db()
    assert household.declared_size == 4
    son = household.members.get(relation="son")
    url = f"{API}/members/{son.pk}"
    ok = call(client, "put", url, {"version": son.version, "name": "张明明"})
    assert ok.status_code == 200 and ok.json()["name"] == "张明明"
    stale = call(client, "put", url, {"version": son.version, "name": "张三"})
    assert stale.status_code == 409
    clash = call(client, "put", url, {"version": son.version + 1, "id_number": baby["id_number"]})
    assert clash.status_code == 422 and "同一身份证号不能登记在两户" in clash.json()["message"]


def test_member_jurisdiction(household, county_personas):
    son = household.members.get(relation="son")
    body = {"version": son.version, "ethnicity": "回族"}
    assert_jurisdiction(county_personas, "put", f"{API}/members/{son.pk}", body)
    daughter = member(
        "510981", "张小兰", "daughter", dt.date(2016, 1, 2), male=False, schooling="primary"
    )
    url = f"{API}/households/{household.pk}/members"
    assert_jurisdiction(county_personas, "post", url, daughter)


def test_changes(household, county_personas):
    client = client_for(county_personas.in_region)
    url = f"{API}/households/{household.pk}/changes"
    spouse = household.members.get(relation="spouse")
    head = household.members.get(relation="head")
    death = {"kind": "death", "occurred_on": "2024-01-05", "reason": "病故", "member_id": head.pk}
    refused = call(client, "post", url, death)
    assert refused.status_code == 422 and "新户主" in refused.json()["message"]
    response = call(client, "post", url, {**death, "new_head_id": spouse.pk})
    assert response.status_code == 201, response.content
    assert response.json()["declared_size"] == 2
    baby = member("510981", "张新", "grandson", dt.date(2024, 2, 2))
    birth = {"kind": "birth", "occurred_on": "2024-02-02", "reason": "出生", "new_member": baby}
    assert call(client, "post", url, birth).json()["declared_size"] == 3
    listed = client.get(url).json()
    assert [c["kind"] for c in listed] == ["birth", "death"]
    no_reason = call(client, "post", url, {**birth, "reason": ""})
    assert no_reason.status_code == 422


def test_changes_jurisdiction(household, county_personas):
    url = f"{API}/households/{household.pk}/changes"
    assert_jurisdiction(county_personas, "get", url)
    son = household.members.get(relation="son")
    body = {
        "kind": "correction",
        "occurred_on": "2024-01-05",
        "reason": "更正",
        "member_id": son.pk,
        "new_member": {"ethnicity": "回族"},
    }
    assert_jurisdiction(county_personas, "post", url, body)


def test_income_put(household, county_personas):
    client = client_for(county_personas.in_region)
    url = f"{API}/households/{household.pk}/incomes/2019"
    body = call(client, "put", url, {"wage": "12000", "production_costs": "600", "version": 0})
    body = body.json()
    assert body["per_capita"] == "3800.00" and body["poverty_line"] == "3747"
    assert body["above_poverty_line"] is True and body["above_monitoring_line"] is False
    assert body["version"] == 1
    negative = call(client, "put", url, {"wage": "-1", "version": 1})
    assert negative.status_code == 422
    assert_jurisdiction(county_personas, "put", url, {"wage": "1000", "version": 1})
