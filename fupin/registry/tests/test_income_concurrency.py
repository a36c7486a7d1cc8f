"""Acceptance (issue 15): two concurrent income saves give one 409.

The township and the office open the same year's income (same version) and save at the same
moment, each on its own database connection. A slowed-down re-check keeps the first
transaction open after its UPDATE, so the second really waits on the row; it then finds the
version moved on and gets a Conflict naming the first writer. The stored amounts are the
first writer's, to the cent, and the version moved by exactly one. The same holds for the
first entry of a year (both with version 0): one row, one Conflict.

Transactional tests (each thread must see the other's commit): pytest-django empties every
table afterwards, so the module reloads the test counties and roles before each test and
after the module, as the workflow concurrency tests do."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core.errors import Conflict
from fupin.registry import services
from fupin.registry.models import Household, Income
from fupin.registry.services import incomes
from fupin.registry.tests.factories import family, household_data
from fupin.testing import TEST_REGION_PREFIXES, make_user, race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pgcompat]

YEAR = 2024


def seed() -> None:
    from django.apps import apps

    from fupin.regions.loader import load_regions

    load_regions(TEST_REGION_PREFIXES)
    importlib.import_module("fupin.accounts.migrations.0003_default_roles").seed_roles(apps, None)


@pytest.fixture(scope="module", autouse=True)
def restore_after_module(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def writers(transactional_db: Any) -> tuple[Any, Any, Household]:
    from fupin.regions.models import Region

    seed()
    county = Region.objects.get(code="510981")
    township = county.children.order_by("code").first()
    assert township is not None
    village = township.children.order_by("code").first()
    assert village is not None
    office = make_user("office", ("poverty_office", county.code), real_name="县扶贫办刘敏")
    staff = make_user("staff", ("township", township.code), real_name="镇干部陈刚")
    household = services.household_create(
        actor=load_actor(office), village_code=village.code,
        data=household_data("5109810001"), members=family(county.code),
    ).household  # fmt: skip
    return load_actor(office), load_actor(staff), household


@pytest.fixture
def slow_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    original = incomes.recheck

    def slow(household: Household) -> None:
        time.sleep(0.4)  # the first writer's transaction stays open, holding the row
        original(household)

    monkeypatch.setattr(incomes, "recheck", slow)


def _save(actor: Any, household: Household, version: int, wage: str) -> Any:
    return lambda: services.income_save(
        actor=actor, household_id=household.pk, year=YEAR, version=version,
        amounts={"wage": Decimal(wage), "transfer_dibao": Decimal("1200.50")},
    )  # fmt: skip


def _outcome(results: list[Any]) -> tuple[Income, Conflict]:
    saved = [r for r in results if isinstance(r, Income)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(saved) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], Conflict), refused[0]
    return saved[0], refused[0]


def test_two_concurrent_income_saves_give_one_409(
    writers: tuple[Any, Any, Household], slow_recheck: None
) -> None:
    office, staff, household = writers
    loaded = services.income_save(
        actor=office, household_id=household.pk, year=YEAR, version=0, amounts={"wage": 9000}
    ).version
    results = race(
        [_save(staff, household, loaded, "15000.10"), _save(office, household, loaded, "8000")]
    )
    winner, conflict = _outcome(results)
    first = "镇干部陈刚" if winner.wage == Decimal("15000.10") else "县扶贫办刘敏"
    assert conflict.status == 409
    assert conflict.message.startswith(f"{YEAR}年度收入已被 {first} 于 ")
    assert Income.objects.filter(household=household, year=YEAR).count() == 1
    row = Income.objects.get(household=household, year=YEAR)
    assert (row.wage, row.transfer_dibao) == (winner.wage, Decimal("1200.50"))
    assert row.version == loaded + 1
    assert row.updated_by_id == (staff if first == "镇干部陈刚" else office).user_id


def test_two_concurrent_first_entries_give_one_row_and_one_409(
    writers: tuple[Any, Any, Household], slow_recheck: None
) -> None:
    office, staff, household = writers
    results = race([_save(staff, household, 0, "15000"), _save(office, household, 0, "8000")])
    winner, conflict = _outcome(results)
    first = "镇干部陈刚" if winner.wage == Decimal("15000") else "县扶贫办刘敏"
    assert conflict.message.startswith(f"{YEAR}年度收入已被 {first} 于 ")
    rows = list(Income.objects.filter(household=household, year=YEAR))
    assert len(rows) == 1 and rows[0].wage == winner.wage and rows[0].version == 1
