"""Acceptance: two simultaneous approvals of one case produce one transition.

Two threads, each with its own database connection, take the same step on the same case at
the same moment. The row lock makes the second wait for the first to commit; it then finds the
version moved on and gets a Conflict naming who acted. A slowed-down guard keeps the first
transaction open long enough that, without the lock, both would pass the version check.

These tests are transactional (each thread must see the other's commits). pytest-django
empties every table after a transactional test, so the module reloads the test counties and
roles before each test and after the module, like the browser tests do."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from fupin.core.errors import Conflict
from fupin.testing import race
from fupin.workflows import engine
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Case, Transition

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pgcompat]


def seed() -> None:
    from django.apps import apps

    from fupin.regions.loader import load_regions
    from fupin.testing import TEST_REGION_PREFIXES

    load_regions(TEST_REGION_PREFIXES)
    importlib.import_module("fupin.accounts.migrations.0003_default_roles").seed_roles(apps, None)


@pytest.fixture(scope="module", autouse=True)
def restore_after_module(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def seeded_officials(transactional_db: Any) -> Officials:
    from fupin.regions.models import Region

    seed()
    township = Region.objects.get(code="510981").children.order_by("code").first()
    assert township is not None
    village = township.children.order_by("code").first()
    return Officials(village)


@pytest.fixture
def slow_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    original = engine.guard_failures

    def slow(ctx: Any) -> list[str]:
        time.sleep(0.3)
        return original(ctx)

    monkeypatch.setattr(engine, "guard_failures", slow)


def case_awaiting_county(o: Officials) -> Case:
    village = o.village.grants[0]
    from fupin.regions.models import Region

    region = Region.objects.get(code=village.region_code)
    household = make_household(o.village, region, income=Decimal("21000"))
    case = engine.case_create(actor=o.village, kind="household_exit", region=region,
                              household=household, title="并发测试")  # fmt: skip
    Case.objects.filter(pk=case.pk).update(
        state="township_approved", data={"food_secure": True, "clothing_secure": True}
    )
    case.refresh_from_db()
    return case


def test_two_simultaneous_approvals_make_one_transition(
    seeded_officials: Officials, slow_guards: None
) -> None:
    o = seeded_officials
    case = case_awaiting_county(o)
    version = case.version

    def approve(actor: Any) -> Any:
        return lambda: engine.case_transition(
            actor=actor, case_id=case.pk, step="county_approve", version=version, comment="同意"
        )

    results = race([approve(o.county), approve(o.county2)])
    done = [r for r in results if isinstance(r, Case)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(done) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], Conflict), refused[0]
    winner = Transition.objects.get(case=case, name="county_approve")
    assert f"已由{winner.actor_name}于" in refused[0].message
    assert "办理“县审定通过”" in refused[0].message
    assert Transition.objects.filter(case=case, name="county_approve").count() == 1
    case.refresh_from_db()
    assert case.state == "county_approved" and case.version == version + 1


def test_simultaneous_steps_without_a_version(
    seeded_officials: Officials, slow_guards: None
) -> None:
    """A double submission without a version: the second finds the state moved on."""
    o = seeded_officials
    case = case_awaiting_county(o)
    results = race([
        lambda: engine.case_transition(actor=o.county, case_id=case.pk, step="county_approve"),
        lambda: engine.case_transition(actor=o.county2, case_id=case.pk, step="county_approve"),
    ])  # fmt: skip
    assert sum(isinstance(r, Case) for r in results) == 1, results
    conflict = next(r for r in results if isinstance(r, Exception))
    assert isinstance(conflict, Conflict) and "请刷新后查看" in conflict.message
    assert Transition.objects.filter(case=case).exclude(name="create").count() == 1


def test_simultaneous_publications_share_one_notice(
    seeded_officials: Officials, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two cases of one village published at the same moment join one notice of the day."""
    from fupin.workflows.models import Notice
    from fupin.workflows.notices import services as notices

    o = seeded_officials
    first, second = case_awaiting_county(o), case_awaiting_county(o)
    Case.objects.filter(pk__in=[first.pk, second.pk]).update(state="consented")
    numbered = notices._notice_no

    def slow_number(county_code: str, year: int) -> str:
        time.sleep(0.3)  # between looking for today's notice and creating it
        return numbered(county_code, year)

    monkeypatch.setattr(notices, "_notice_no", slow_number)
    results = race([
        lambda: engine.case_transition(actor=o.village, case_id=first.pk, step="publish_village"),
        lambda: engine.case_transition(actor=o.secretary, case_id=second.pk, step="publish_village"),
    ])  # fmt: skip
    assert all(isinstance(r, Case) for r in results), results
    notice = Notice.objects.get()
    assert notice.entries.count() == 2
