"""The home page: jurisdiction summary, chart data and township table, scoped to the actor."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fupin.regions.models import Level, Region, VillageProfile
from fupin.testing import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def poor_villages(county: Any, sibling_county: Any) -> dict[str, int]:
    """Two poor villages (one exited) in the first township of each county."""
    per_township: dict[str, int] = {}
    for c in (county, sibling_county):
        township = c.children.order_by("code").first()
        villages = list(township.children.order_by("code")[:3])
        VillageProfile.objects.bulk_create(
            [
                VillageProfile(
                    region=v,
                    county_code=c.code,
                    is_poor_village=n < 2,
                    identified_year=2014 if n < 2 else None,
                    exit_year=2018 if n == 0 else None,
                )
                for n, v in enumerate(villages)
            ]
        )
        per_township[township.code] = 2
    return per_township


def chart_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="poor-chart-data" type="application/json">(.*?)</script>', html)
    assert match, "chart data missing"
    return json.loads(match.group(1))


def test_county_office_sees_its_townships(
    county_personas: Any, county: Any, poor_villages: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(county_personas.in_region)
    # The session, user, grants and audit context; 8 rollup reads and the region names; the
    # breadcrumb and the inbox bell; the session save.
    with django_assert_max_num_queries(18):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    townships = list(county.children.order_by("code").values_list("name", flat=True))
    data = chart_data(html)
    assert data["names"] == townships
    assert sum(data["poor"]) == 2 and sum(data["exited"]) == 1
    assert data["poor"][0] == 2
    rows = response.context["summary"]["breakdown"]["rows"]
    first = county.children.order_by("code").first()
    assert rows[0]["villages"] == first.children.count()
    assert 'data-testid="poor-villages">2<' in html
    assert 'data-testid="exited-villages">1<' in html
    assert "各乡镇贫困村分布" in html
    assert "echarts.min.js" in html
    # Nothing of the sibling county.
    sibling_names = Region.objects.filter(parent_id="510903").values_list("name", flat=True)
    assert not any(name in html for name in sibling_names)
    villages = Region.objects.filter(code__startswith=county.code, level=Level.VILLAGE).count()
    assert f'data-testid="level-5">{villages:,}<' in html


def test_sibling_county_sees_only_its_own(
    county_personas: Any, county: Any, poor_villages: Any
) -> None:
    response = client_for(county_personas.out_of_region).get("/")
    data = chart_data(response.content.decode())
    assert not set(data["names"]) & set(county.children.values_list("name", flat=True))
    assert sum(data["poor"]) == 2


def test_township_user_sees_one_township(township: Any, poor_villages: Any) -> None:
    user = make_user("tw", ("township", township.code))
    response = client_for(user).get("/")
    rows = response.context["summary"]["breakdown"]["rows"]
    assert [r["name"] for r in rows] == [township.name]
    assert rows[0]["poor"] == 2
    assert response.context["summary"]["users"] == 1  # township role may view users


def test_system_admin_gets_counties(county: Any, sibling_county: Any, poor_villages: Any) -> None:
    user = make_user("root_admin", ("sysadmin", county.code))
    response = client_for(user).get("/")
    breakdown = response.context["summary"]["breakdown"]
    assert breakdown["level_label"] == "县"
    assert [r["code"] for r in breakdown["rows"]] == ["510903", "510981"]
    assert [r["poor"] for r in breakdown["rows"]] == [2, 2]
    assert [r["villages"] for r in breakdown["rows"]] == [
        Region.objects.filter(code__startswith=c, level=Level.VILLAGE).count()
        for c in ("510903", "510981")
    ]
    html = response.content.decode()
    crumb = re.search(r'data-testid="jurisdiction">(.*?)</ol>', html, re.S)
    assert crumb and "全部辖区" in crumb.group(1)


def test_system_admin_lists_only_counties_with_village_data(county: Any) -> None:
    user = make_user("root_admin", ("sysadmin", county.code))
    village = Region.objects.filter(code__startswith=county.code, level=Level.VILLAGE)[0]
    VillageProfile.objects.create(region=village, county_code=county.code)
    breakdown = client_for(user).get("/").context["summary"]["breakdown"]
    assert [r["code"] for r in breakdown["rows"]] == [county.code]


def test_users_card_needs_user_view(county: Any) -> None:
    office = make_user("office", ("poverty_office", county.code))
    industry = make_user("edu", ("industry", county.code))
    assert 'data-testid="users"' in client_for(office).get("/").content.decode()
    assert 'data-testid="users"' not in client_for(industry).get("/").content.decode()


def test_shell_has_breadcrumb_user_menu_and_switcher(county: Any, township: Any) -> None:
    single = make_user("single", ("poverty_office", county.code), real_name="杨秀英")
    html = client_for(single).get("/").content.decode()
    crumb = re.search(r'data-testid="jurisdiction">(.*?)</ol>', html, re.S)
    assert crumb and re.findall(r">([^<]+)</li>", crumb.group(1)) == ["四川省", "遂宁市", "射洪市"]
    assert "修改密码" in html and "退出登录" in html and "杨秀英" in html
    assert 'data-testid="grant-switcher"' not in html
    double = make_user("double", ("viewer", county.code), ("township", township.code))
    html = client_for(double).get("/").content.decode()
    assert 'data-testid="grant-switcher"' in html
    assert f"{township.name} · 乡镇工作人员" in html


def test_switching_grant_narrows_the_home_page(county: Any, township: Any) -> None:
    user = make_user("double", ("viewer", county.code), ("township", township.code))
    client = client_for(user)
    grant = user.grants.get(role_id="township")
    response = client.post("/accounts/switch/", {"grant": grant.pk, "next": "/"}, follow=True)
    rows = response.context["summary"]["breakdown"]["rows"]
    assert [r["code"] for r in rows] == [township.code]
    crumb = re.search(r'data-testid="jurisdiction">(.*?)</ol>', response.content.decode(), re.S)
    assert crumb and township.name in crumb.group(1)


def test_user_without_grants_sees_an_empty_state() -> None:
    user = make_user("nobody")
    html = client_for(user).get("/").content.decode()
    assert "无授权" in html
    assert "您的辖区内暂无村情数据" in html
