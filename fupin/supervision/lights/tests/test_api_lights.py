"""Supervision API, traffic lights (亮灯预警): entering targets and actual values lights a
unit yellow, then red after a second missed quarter; the board, the pending 提醒谈话 list and
recording one; every endpoint under the jurisdiction harness."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.testing import Personas, assert_jurisdiction, call, client_for

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/lights"


def test_targets_board_and_interviews(county_personas: Personas, county, township):
    people = county_personas
    office = client_for(people.in_region)
    year = timezone.localdate().year - 1

    def target(quarter: int, actual: str, **extra: Any) -> dict[str, Any]:
        return {
            "region_code": township.code, "indicator": "fund_spending", "year": year,
            "quarter": quarter, "target": "80", "actual": actual, **extra,
        }  # fmt: skip

    assert_jurisdiction(people, "post", f"{API}/targets", target(1, "60"))
    q1 = call(office, "post", f"{API}/targets", target(1, "60", version=1)).json()
    assert q1["light"] == "yellow" and q1["light_label"] == "黄灯" and q1["pending_interview"]
    q2 = call(office, "post", f"{API}/targets", target(2, "50")).json()
    assert q2["light"] == "red"  # two consecutive quarters missed

    stale = call(office, "post", f"{API}/targets", target(1, "60", version=q1["version"] + 5))
    assert stale.status_code == 409
    over = call(office, "post", f"{API}/targets", target(3, "120"))
    assert over.status_code == 422 and "不能超过100" in over.json()["message"]

    board_url = f"{API}?year={year}&region={county.code}"
    assert_jurisdiction(people, "get", board_url)
    board = office.get(board_url).json()
    assert board["totals"] == {"green": 0, "yellow": 1, "red": 1} and board["pending"] == 1
    fund = board["boards"][0]
    assert fund["indicator"]["name"] == "扶贫资金支出进度"
    cells = fund["rows"][0]["cells"]
    assert [c["target"]["light"] if c["target"] else None for c in cells] == [
        "yellow", "red", None, None,
    ]  # fmt: skip

    pending_url = f"{API}/pending-interviews?region={county.code}"
    assert_jurisdiction(people, "get", pending_url)
    assert [t["id"] for t in office.get(pending_url).json()["items"]] == [q1["id"]]
    assert_jurisdiction(people, "get", f"{API}/targets/{q1['id']}")

    interview = {
        "held_on": timezone.localdate().isoformat(),
        "interviewer": "县扶贫办主任", "interviewee": "乡镇党委书记",
        "notes": "资金支出进度滞后，要求加快拨付",
    }  # fmt: skip
    assert_jurisdiction(people, "post", f"{API}/targets/{q1['id']}/interviews", interview)
    detail = office.get(f"{API}/targets/{q1['id']}").json()
    assert detail["pending_interview"] is False
    assert detail["interview_list"][0]["interviewee"] == "乡镇党委书记"
    assert office.get(pending_url).json()["count"] == 0
    future = call(
        office, "post", f"{API}/targets/{q1['id']}/interviews",
        {**interview, "held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert future.status_code == 422 and "不能晚于今天" in future.json()["message"]
