"""Two checkers recording a finding on the same sampled household: one wins, the other is told
who recorded first (issue 15: no silent lost update), on the API and on the page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.testing import client_for, make_user
from fupin.workflows.cases import services
from fupin.workflows.conftest import make_household
from fupin.workflows.models import SampleItem

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"


@pytest.fixture
def item(officials: Any, village: Any, county: Any) -> SampleItem:
    for _ in range(2):
        make_household(officials.village, village, status="exited")
    sample = services.sample_draw(
        actor=load_actor(officials.county_user), region_code=county.code, purpose="exited",
        size=1, seed=7,
    )  # fmt: skip
    return sample.items.get()


def test_a_stale_finding_on_the_api_is_a_409_naming_the_first(officials, county, item):
    first = client_for(officials.county_user)
    second = client_for(make_user("checker2", ("poverty_office", county.code), real_name="李核查"))
    version = item.version
    url = f"{API}/samples/items/{item.pk}"
    body = {"finding": "wrong_exit", "note": "收入未达标", "version": version}
    assert first.post(url, json.dumps(body), content_type="application/json").status_code == 200
    late = {"finding": "correct", "note": "", "version": version}
    answer = second.post(url, json.dumps(late), content_type="application/json")
    assert answer.status_code == 409
    assert str(officials.county_user) in answer.json()["message"]
    item.refresh_from_db()
    assert (item.finding, item.note, item.version) == ("wrong_exit", "收入未达标", version + 1)
    missing = second.post(url, json.dumps({"finding": "correct"}), content_type="application/json")
    assert missing.status_code == 422


def test_a_stale_finding_on_the_page_keeps_the_first(officials, county, item):
    first = client_for(officials.county_user)
    second = client_for(make_user("checker2", ("poverty_office", county.code), real_name="李核查"))
    url = f"/cases/samples/items/{item.pk}/"
    version = str(item.version)
    assert first.post(url, {"finding": "wrong_exit", "version": version}).status_code == 302
    answer = second.post(url, {"finding": "correct", "version": version}, follow=True)
    assert "修改，请刷新后重试" in answer.content.decode()
    item.refresh_from_db()
    assert item.finding == "wrong_exit"
