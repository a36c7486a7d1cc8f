"""Supervision API, inspections (督查巡查): group → plan (half-monthly schedule) → visit →
finding, which becomes an alert with its 督办 issued at once; every endpoint under the
jurisdiction harness."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.testing import Personas, assert_jurisdiction, call, client_for

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/inspections"


def test_group_plan_visit_finding(county_personas: Personas, county, township, village):
    people = county_personas
    office = client_for(people.in_region)
    today = timezone.localdate()

    body: dict[str, Any] = {
        "region_code": county.code, "name": "第一督查组", "leader_name": "李建国",
        "member_names": "王五、赵六",
    }  # fmt: skip
    assert_jurisdiction(people, "post", f"{API}/groups", body)
    groups = office.get(f"{API}/groups?region={county.code}").json()
    assert groups["count"] == 1
    group = groups["items"][0]
    assert group["region_name"] == "射洪市" and group["member_names"] == "王五、赵六"
    assert_jurisdiction(people, "get", f"{API}/groups?region={county.code}")
    assert_jurisdiction(people, "get", f"{API}/groups/{group['id']}")
    twice = call(office, "post", f"{API}/groups", body)
    assert twice.status_code == 422 and "同名督查组" in twice.json()["message"]

    body = {
        "group_id": group["id"], "title": "2026年扶贫领域专项督查", "frequency": "half_month",
        "start_date": (today - dt.timedelta(days=20)).isoformat(),
        "end_date": (today + dt.timedelta(days=40)).isoformat(),
        "target_codes": [township.code], "focus": "危房改造、义务教育",
    }  # fmt: skip
    assert_jurisdiction(people, "post", f"{API}/plans", body)
    plans = office.get(f"{API}/plans?region={county.code}").json()
    assert plans["count"] == 1
    plan_id = plans["items"][0]["id"]
    assert plans["items"][0]["frequency_label"] == "每半月"
    assert_jurisdiction(people, "get", f"{API}/plans?region={county.code}")
    assert_jurisdiction(people, "get", f"{API}/plans/{plan_id}")
    outside = call(office, "post", f"{API}/plans", {**body, "target_codes": ["510903"]})
    assert outside.status_code == 422 and "督查对象" in outside.json()["message"]

    visit_body = {
        "region_code": village.code,
        "visited_on": today.isoformat(),
        "summary": "入户走访",
    }
    assert_jurisdiction(people, "post", f"{API}/plans/{plan_id}/visits", visit_body)
    plan = office.get(f"{API}/plans/{plan_id}").json()
    assert len(plan["visits"]) == 1 and plan["visits"][0]["region_name"] == village.name
    schedule = plan["schedule"][0]
    assert schedule["region_code"] == township.code and schedule["done"] == 1
    assert any(p["state"] == "done" for p in schedule["periods"])
    visit_id = plan["visits"][0]["id"]

    deadline = (today + dt.timedelta(days=10)).isoformat()
    finding = {"description": "村内危房改造进度滞后于计划", "deadline": deadline}
    assert_jurisdiction(people, "post", f"{API}/visits/{visit_id}/findings", finding)
    past = call(
        office, "post", f"{API}/visits/{visit_id}/findings",
        {**finding, "deadline": (today - dt.timedelta(days=1)).isoformat()},
    )  # fmt: skip
    assert past.status_code == 422 and "整改期限应晚于今天" in past.json()["message"]

    url = f"{API}/findings?region={county.code}"
    assert_jurisdiction(people, "get", url)
    found = office.get(url).json()
    assert found["count"] == 1
    row = found["items"][0]
    # The county office is above the village: the 督办 is issued at once (限期整改).
    assert row["stage"] == "限期整改" and row["state"] == "noticed" and row["overdue"] is False
    alert = office.get(f"/api/v1/supervision/alerts/{row['alert_id']}").json()
    assert alert["rule_name"] == "督查发现问题" and alert["due_date"] == deadline
    assert alert["notices"][0]["deadline"] == deadline
    assert office.get(f"{API}/findings?open=false").json()["count"] == 0
    detail = office.get(f"{API}/plans/{plan_id}").json()
    assert detail["open"] == 1 and detail["findings"][0]["id"] == row["id"]
    assert office.get(f"{API}/plans/999999").status_code == 404
