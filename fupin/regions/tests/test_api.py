"""API: jurisdiction on every operation, pagination, 409 on a stale version, masking."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.regions.models import BattleZone, CommandUnit, Organisation, Region
from fupin.testing import Personas, assert_jurisdiction, call, client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def test_regions_children_and_roots(county_personas: Personas, county: Region) -> None:
    assert_jurisdiction(county_personas, "get", f"{API}/regions?parent={county.code}")
    body = client_for(county_personas.in_region).get(f"{API}/regions").json()
    assert [r["code"] for r in body["items"]] == [county.code]
    page = client_for(county_personas.in_region).get(
        f"{API}/regions?parent={county.code}&limit=2&offset=1"
    )
    data = page.json()
    assert len(data["items"]) == 2 and data["count"] == county.children.count()
    assert data["items"][0]["parent_code"] == county.code
    too_many = client_for(county_personas.in_region).get(f"{API}/regions?limit=100000")
    assert too_many.status_code == 422


def test_unauthenticated_is_401(client: Any) -> None:
    assert client.get(f"{API}/regions").status_code == 401


def test_search(county_personas: Personas, township: Region) -> None:
    own = client_for(county_personas.in_region).get(f"{API}/regions/search?q={township.name}")
    hit = next(h for h in own.json() if h["code"] == township.code)
    assert hit["path_label"] == f"四川省/遂宁市/射洪市/{township.name}"
    other = client_for(county_personas.out_of_region).get(f"{API}/regions/search?q={township.name}")
    assert township.code not in {h["code"] for h in other.json()}


def test_region_detail(county_personas: Personas, county: Region) -> None:
    assert_jurisdiction(county_personas, "get", f"{API}/regions/{county.code}")
    body = client_for(county_personas.in_region).get(f"{API}/regions/{county.code}").json()
    assert body["code12"] == "510981000000"
    assert [p["name"] for p in body["path"]] == ["四川省", "遂宁市", "射洪市"]


def test_profile_get_put_and_conflict(township_personas: Personas, village: Region) -> None:
    url = f"{API}/regions/{village.code}/profile"
    assert_jurisdiction(township_personas, "get", url)
    payload = {"version": 1, "is_poor_village": True, "identified_year": 2014, "population": 50}
    assert_jurisdiction(township_personas, "put", url, payload)
    client = client_for(township_personas.in_region)
    body = client.get(url).json()
    assert body["version"] == 2 and body["population"] == 50 and body["exists"]
    stale = call(client, "put", url, payload)
    assert stale.status_code == 409
    assert stale.json()["message"].startswith(f"该记录已被 {township_personas.in_region} 于 ")
    bad = call(client, "put", url, {**payload, "version": 2, "rural_population": 60})
    assert bad.status_code == 422 and bad.json()["message"] == "农业人口不能大于总人口"


def test_organisations(
    county_personas: Personas, admin_personas: Personas, county: Region, organisation: Organisation
) -> None:
    assert_jurisdiction(county_personas, "get", f"{API}/organisations?region={county.code}")
    assert_jurisdiction(county_personas, "get", f"{API}/organisations/{organisation.pk}")
    masked = client_for(admin_personas.in_region).get(f"{API}/organisations/{organisation.pk}")
    assert masked.json()["contact_phone"] == "138****5678"
    # Masked for holders of PERSONAL_DATA_VIEW too (issue 12: masked by default).
    holder = client_for(county_personas.in_region).get(f"{API}/organisations?kind=department")
    assert holder.json()["items"][0]["contact_phone"] == "138****5678"
    other = client_for(county_personas.out_of_region).get(f"{API}/organisations")
    assert other.json()["count"] == 0


def test_organisation_create_and_update(county_personas: Personas, county: Region) -> None:
    payload = {"region_code": county.code, "name": "新合作社", "kind": "cooperative"}
    assert_jurisdiction(county_personas, "post", f"{API}/organisations", payload)
    client = client_for(county_personas.in_region)
    dup = call(client, "post", f"{API}/organisations", payload)
    assert dup.status_code == 422 and "已有同名组织" in dup.json()["message"]
    org = Organisation.objects.get(name="新合作社")
    url = f"{API}/organisations/{org.pk}"
    update = {"version": 1, "name": "新合作社", "kind": "cooperative", "sector": "农业"}
    assert_jurisdiction(county_personas, "put", url, update)
    assert call(client, "put", url, update).status_code == 409


def test_battle_zones(
    county_personas: Personas, county: Region, sibling_township: Region, battle_zone: BattleZone
) -> None:
    assert_jurisdiction(county_personas, "get", f"{API}/battle-zones?county={county.code}")
    payload = {
        "county_code": county.code,
        "name": "第二战区",
        "leader_name": "赵六",
        "township_codes": [sibling_township.code],
    }
    assert_jurisdiction(county_personas, "post", f"{API}/battle-zones", payload)
    client = client_for(county_personas.in_region)
    again = call(client, "post", f"{API}/battle-zones", {**payload, "name": "第三战区"})
    assert again.status_code == 422
    assert "一个乡镇只能属于一个战区" in again.json()["errors"]["townships"][0]
    items = client.get(f"{API}/battle-zones").json()["items"]
    assert {z["name"] for z in items} == {"第一战区", "第二战区"}


def test_command_units(
    county_personas: Personas, county: Region, command_unit: CommandUnit, member: Any
) -> None:
    assert_jurisdiction(county_personas, "get", f"{API}/command-units?region={county.code}")
    items = client_for(county_personas.in_region).get(f"{API}/command-units").json()["items"]
    assert items[0]["name"] == "射洪市脱贫攻坚指挥部" and items[0]["member_count"] == 1
    other = client_for(county_personas.out_of_region).get(f"{API}/command-units").json()
    assert other["count"] == 0
