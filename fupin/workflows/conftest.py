"""Workflow fixtures: one user per acting level over the test village, and builders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.registry.tests.factories import family, household_data
from fupin.testing import make_user


class Officials:
    """Actors of every level over `village`: 村两委, 第一书记, 乡镇, 县扶贫办, 市, 省, and
    read-only / out-of-region ones."""

    def __init__(self, village: Any) -> None:
        township, county = village.code[:9], village.code[:6]
        self.village_user = make_user("cun", ("village", village.code))
        self.secretary_user = make_user("shuji", ("first_secretary", village.code))
        self.township_user = make_user("xiang", ("township", township))
        self.county_user = make_user("xian", ("poverty_office", county))
        self.county_user2 = make_user("xian2", ("poverty_office", county))
        self.city_user = make_user("shi", ("poverty_office", county[:4]))
        self.province_user = make_user("sheng", ("poverty_office", county[:2]))
        self.discipline_user = make_user("jiwei", ("discipline", county))
        self.village = load_actor(self.village_user)
        self.secretary = load_actor(self.secretary_user)
        self.township = load_actor(self.township_user)
        self.county = load_actor(self.county_user)
        self.county2 = load_actor(self.county_user2)
        self.city = load_actor(self.city_user)
        self.province = load_actor(self.province_user)
        self.discipline = load_actor(self.discipline_user)


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


_serial = iter(range(1, 10_000))


def make_household(
    actor: Actor,
    village: Any,
    *,
    status: str = "poor",
    income: Decimal | None = Decimal("20000"),
    year: int | None = None,
    **extra: Any,
) -> Any:
    """A registered household of three, with an income record for `year` when given."""
    from fupin.registry import services
    from fupin.registry.models import Household, Income

    no = f"{village.code}{next(_serial):04d}"
    household = services.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data(no, water_safe=True, **extra),
        members=family(village.code[:6]),
    ).household
    if status != "poor":
        Household.objects.filter(pk=household.pk).update(
            status=status, exit_year=2019 if status in ("exited", "returned") else None
        )
        household.refresh_from_db()
    if income is not None:
        Income.objects.create(
            household=household, county_code=household.county_code,
            year=year or timezone.localdate().year, size=3, wage=income,
        )  # fmt: skip
    return household


def upload(name: str = "consent.pdf", content: bytes = b"%PDF-1.4 test") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
