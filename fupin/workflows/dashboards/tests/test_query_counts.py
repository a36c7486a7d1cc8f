"""Query counts of the exit dashboards do not grow with the cases they check (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.testing import client_for
from fupin.workflows.cases import criteria, services
from fupin.workflows.conftest import Officials, make_household

pytestmark = pytest.mark.django_db

EXIT = reverse("workflows:exit_dashboard")
COUNTY = reverse("workflows:county_exit_dashboard")


def _exit_cases(officials: Officials, village: Any, n: int) -> None:
    for _ in range(n):
        h = make_household(officials.village, village)
        services.exit_propose(actor=officials.village, household_id=h.pk, reason="收入稳定")


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def test_household_exit_dashboard_queries_do_not_grow_with_cases(
    officials: Officials, village: Any
) -> None:
    client = client_for(officials.county_user)
    _exit_cases(officials, village, 2)
    client.get(EXIT)  # warm the session and the actor
    few = _queries(client, EXIT)
    _exit_cases(officials, village, 6)
    many = _queries(client, EXIT)
    assert many == few, f"{few} queries for 2 cases, {many} for 8"
    response = client.get(EXIT)
    assert response.context["o"].checked == 8


def test_many_checklists_agree_with_one(officials: Officials, village: Any) -> None:
    from fupin.registry.models import Household

    h = make_household(officials.village, village, housing_grade="C")
    other = make_household(officials.village, village)
    Household.objects.filter(pk=other.pk).update(water_safe=False)
    items = [
        criteria.ExitCase(Household.objects.get(pk=pk), 2025, {"food_secure": True})
        for pk in (h.pk, other.pk)
    ]
    many = criteria.household_exit_criteria_many(items)
    assert many == [criteria.household_exit_criteria(i.household, i.year, i.data) for i in items]
    assert {c.code for c in criteria.failed(many[0])} >= {"housing", "food_clothing"}
    assert "water" in {c.code for c in criteria.failed(many[1])}


def test_county_dashboard_computes_the_rates_once(
    officials: Officials, village: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = criteria.county_rates

    def spy(code: str) -> criteria.CountyRates:
        calls.append(code)
        return real(code)

    monkeypatch.setattr(criteria, "county_rates", spy)
    response = client_for(officials.county_user).get(f"{COUNTY}?county={village.code[:6]}")
    assert response.status_code == 200
    assert calls == [village.code[:6]]
