from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.registry import services
from fupin.registry.models import Doubt, Household
from fupin.registry.validation import views
from fupin.registry.validation.sweep import sweep
from fupin.testing import Personas, assert_jurisdiction, call, client_for

from .factories import family, household_data

pytestmark = pytest.mark.django_db

API = "/api/v1"
RULES = "/registry/validation/rules/"
DOUBTS = "/registry/validation/doubts/"
RECHECK = "/registry/validation/doubts/recheck/"


def create(user: Any, village: Any, no: str, *, uninsured: bool = False) -> Household:
    members = family(village.code[:6])
    members[2]["labour"] = "none"
    if uninsured:
        members[1]["insured_medical"] = False
    return services.household_create(
        actor=load_actor(user),
        village_code=village.code,
        data=household_data(no, helper_name="王帮扶"),
        members=members,
    ).household


@pytest.fixture
def flagged(county_personas: Personas, village: Any, sibling_county: Any) -> Household:
    """One in-county household with an uninsured member, one clean, one flagged next door."""
    household = create(county_personas.in_region, village, "5109810001", uninsured=True)
    create(county_personas.in_region, village, "5109810002")
    far_village = sibling_county.children.first().children.first()
    create(county_personas.out_of_region, far_village, "5109030001", uninsured=True)
    sweep()
    return household


def test_rules_page_lists_catalogue_with_hits(
    county_personas: Personas, county: Any, flagged: Household
) -> None:
    assert_jurisdiction(county_personas, "get", f"{RULES}?region={county.code}")
    page = client_for(county_personas.in_region).get(RULES).content.decode()
    assert "H001" in page and "户主唯一" in page and "错误" in page
    assert "参加城乡居民基本医疗保险" in page  # field label of M019
    assert f'href="{DOUBTS}?rule=M019&region={county.code}">1</a>' in page


def test_doubts_page_counts_drills_down_and_links(
    county_personas: Personas,
    county: Any,
    township: Any,
    village: Any,
    flagged: Household,
    django_assert_max_num_queries: Any,
) -> None:
    assert_jurisdiction(county_personas, "get", f"{DOUBTS}?region={county.code}")
    client = client_for(county_personas.in_region)
    with django_assert_max_num_queries(25):
        page = client.get(DOUBTS).content.decode()
    assert "按规则（共 1 条）" in page and "M019 未参加基本医疗保险" in page
    assert f'?region={township.code}">{township.name}</a>' in page
    assert "5109810001" in page and "成员 李秀兰 未参加城乡居民基本医疗保险" in page
    assert f"/registry/households/{flagged.pk}/" in page
    assert "5109030001" not in page  # the neighbour county's doubt
    village_page = client.get(f"{DOUBTS}?region={village.code}").content.decode()
    assert "5109810001" in village_page and "没有下级区划" in village_page
    other_rule = client.get(f"{DOUBTS}?region={county.code}&rule=H001").content.decode()
    assert "5109810001" not in other_rule and "没有符合条件的疑点" in other_rule


def test_doubts_page_for_a_township_user(
    township_personas: Personas, township: Any, county: Any, flagged: Household
) -> None:
    assert_jurisdiction(township_personas, "get", f"{DOUBTS}?region={township.code}")
    client = client_for(township_personas.in_region)
    assert client.get(f"{DOUBTS}?region={county.code}").status_code == 404
    assert "5109810001" in client.get(DOUBTS).content.decode()


def test_recheck_runs_sweep_for_the_region(
    county_personas: Personas, county: Any, flagged: Household
) -> None:
    Doubt.objects.all().delete()
    assert_jurisdiction(county_personas, "post", f"{RECHECK}?region={county.code}", ok=(302,))
    assert list(Doubt.objects.values_list("rule_code", "household_id")) == [("M019", flagged.pk)]
    response = client_for(county_personas.in_region).post(
        RECHECK, {"region": county.code}, follow=True
    )
    assert "已重新校验射洪市 2 户，发现疑点 1 条" in response.content.decode()
    page = client_for(county_personas.in_region).get(f"{DOUBTS}?region={county.code}")
    assert "重新校验" in page.content.decode()
    readonly = client_for(county_personas.read_only).get(f"{DOUBTS}?region={county.code}")
    assert "重新校验</button>" not in readonly.content.decode()


def test_recheck_refuses_large_regions(
    county_personas: Personas, county: Any, flagged: Household, monkeypatch: Any
) -> None:
    Doubt.objects.all().delete()
    monkeypatch.setattr(views, "SYNC_SWEEP_LIMIT", 1)
    response = client_for(county_personas.in_region).post(
        RECHECK, {"region": county.code}, follow=True
    )
    assert "超过 1 户，不能在页面上立即校验" in response.content.decode()
    assert not Doubt.objects.exists()


def test_api_rules(county_personas: Personas, county: Any, flagged: Household) -> None:
    assert_jurisdiction(county_personas, "get", f"{API}/registry/rules?region={county.code}")
    body = client_for(county_personas.in_region).get(f"{API}/registry/rules").json()
    assert len(body) >= 40
    m019 = next(r for r in body if r["code"] == "M019")
    assert m019["hits"] == 1 and m019["severity"] == "warning" and m019["severity_label"] == "疑点"
    assert m019["field_labels"] == ["参加城乡居民基本医疗保险"]


def test_api_doubts_list_is_paginated_and_scoped(
    county_personas: Personas, county: Any, flagged: Household
) -> None:
    url = f"{API}/registry/doubts?region={county.code}"
    assert_jurisdiction(county_personas, "get", url)
    body = client_for(county_personas.in_region).get(f"{url}&rule=m019&limit=1").json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["household_no"] == "5109810001" and item["member_name"] == "李秀兰"
    assert item["rule_name"] == "未参加基本医疗保险" and item["household_id"] == flagged.pk
    other = client_for(county_personas.out_of_region).get(f"{API}/registry/doubts").json()
    assert [i["household_no"] for i in other["items"]] == ["5109030001"]
    bad = call(client_for(county_personas.in_region), "get", f"{API}/registry/doubts?region=12x")
    assert bad.status_code == 404


def test_api_doubts_summary(
    county_personas: Personas, county: Any, township: Any, flagged: Household
) -> None:
    url = f"{API}/registry/doubts/summary?region={county.code}"
    assert_jurisdiction(county_personas, "get", url)
    body = client_for(county_personas.in_region).get(url).json()
    assert body["region"] == {"code": county.code, "name": "射洪市"}
    assert body["total"] == 1
    assert body["by_rule"] == [{"code": "M019", "name": "未参加基本医疗保险", "count": 1}]
    counts = {c["code"]: c["count"] for c in body["by_child"]}
    assert counts[township.code] == 1 and sum(counts.values()) == 1
