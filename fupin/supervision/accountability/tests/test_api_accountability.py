"""Supervision API, accountability (问责): registering a record linked to an alert, the
filtered list, statistics and the detail; every endpoint under the jurisdiction harness."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from fupin.supervision.tests.test_api import dropout_alert
from fupin.testing import Personas, assert_jurisdiction, call, client_for

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/accountability"


def test_record_list_stats_detail(county_personas: Personas, county, village):
    people = county_personas
    office = client_for(people.in_region)
    alert = dropout_alert(village, people.in_region)
    body: dict[str, Any] = {
        "region_code": village.code, "kind": "talk", "subject_name": "王某",
        "subject_title": "村党支部书记", "reason": "适龄儿童失学未及时劝返",
        "decided_on": timezone.localdate().isoformat(),
        "deciding_body": "射洪市纪委监委", "alert_ids": [alert.pk],
    }  # fmt: skip
    assert_jurisdiction(people, "post", API, body)
    unit_recall = call(office, "post", API, {**body, "kind": "recall", "subject_is_unit": True})
    assert unit_recall.status_code == 422 and "只适用于个人" in unit_recall.json()["message"]
    other_county = call(office, "post", API, {**body, "alert_ids": [999999]})
    assert other_county.status_code == 422

    list_url = f"{API}?region={county.code}"
    assert_jurisdiction(people, "get", list_url)
    page = office.get(list_url).json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["kind_label"] == "约谈" and item["alert_count"] == 1
    assert office.get(f"{API}?kind=recall").json()["count"] == 0
    assert client_for(people.out_of_region).get(API).json()["count"] == 0

    stats_url = f"{API}/stats?region={county.code}"
    assert_jurisdiction(people, "get", stats_url)
    stats = office.get(stats_url).json()
    assert stats["total"] == 1
    assert {k["key"]: k["count"] for k in stats["by_kind"]}["talk"] == 1
    assert stats["by_region"][0]["key"] == village.code[:9]

    detail_url = f"{API}/{item['id']}"
    assert_jurisdiction(people, "get", detail_url)
    detail = office.get(detail_url).json()
    assert detail["alerts"][0]["rule_name"] == "义务教育阶段适龄儿童失学辍学"
    assert detail["alerts"][0]["id"] == alert.pk
