"""The home page's household figures and incidence come from the rollups: right numbers, a
query count that does not grow with the data, and no aggregate over raw rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.selectors import load_actor
from fupin.regions.models import VillageProfile
from fupin.registry import services
from fupin.registry.status import household_set_status
from fupin.registry.tests.factories import family, household_data
from fupin.testing import client_for, make_user
from fupin.web.selectors import incidence, jurisdiction_summary

pytestmark = pytest.mark.django_db

RAW_TABLES = ("registry_household", "registry_member", "regions_villageprofile")


def add(actor: Any, village: Any, n: int, start: int = 1) -> list[Any]:
    return [
        services.household_create(
            actor=actor, village_code=village.code,
            data=household_data(f"{village.code}{start + i:04d}"), members=family(village.code[:6]),
        ).household
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def office(county: Any) -> Any:
    return make_user("home_office", ("poverty_office", county.code))


def test_home_shows_households_persons_and_incidence(
    office: Any, county: Any, township: Any, village: Any
) -> None:
    actor = load_actor(office)
    VillageProfile.objects.create(
        region=village, county_code=county.code, is_poor_village=True, rural_population=600
    )
    first, *_ = add(actor, village, 3)
    household_set_status(actor=actor, household_id=first.pk, status="exited", exit_year=2020)
    summary = jurisdiction_summary(actor)
    assert summary["households"] == {
        "poor_households": 2, "poor_persons": 6, "exited_households": 1, "exited_persons": 3,
        "incidence": incidence(6, 600), "as_of": summary["households"]["as_of"],
    }  # fmt: skip
    assert str(summary["households"]["incidence"]) == "1.00"
    row = next(r for r in summary["breakdown"]["rows"] if r["code"] == township.code)
    assert row["poor_persons"] == 6 and str(row["incidence"]) == "1.00" and row["poor"] == 1
    html = client_for(office).get("/").content.decode()
    assert 'data-testid="incidence">1.00%' in html and 'data-testid="poor-persons">6<' in html
    assert "数据截至" not in html  # live figures show no freshness time


def _home_queries(user: Any) -> list[str]:
    client = client_for(user)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_home_query_count_is_constant_and_reads_no_raw_rows(
    office: Any, county: Any, township: Any, village: Any
) -> None:
    actor = load_actor(office)
    add(actor, village, 1)
    small = _home_queries(office)
    others = list(township.children.order_by("code")[1:4])
    for v in others:
        VillageProfile.objects.create(region=v, county_code=county.code, rural_population=100)
        add(actor, v, 4)
    large = _home_queries(office)
    assert len(large) == len(small)
    assert not [q for q in large if any(t in q for t in RAW_TABLES)]
    assert not [q for q in large if "regions_region" in q and "COUNT(" in q.upper()]
