"""The demo county: complete, realistic, deterministic and idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import Client

from fupin.accounts.models import Grant, Role, User
from fupin.audit.models import AuditEvent
from fupin.demo.services import DEMO_COUNTY, DEMO_PASSWORD, DEMO_USERS, load_demo
from fupin.regions.models import (
    BattleZone,
    CommandUnit,
    CommandUnitKind,
    Level,
    Organisation,
    Region,
    VillageProfile,
)
from fupin.testing import shared_data

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo is loaded once for the module; each test's changes roll back as usual."""
    with shared_data(django_db_blocker):
        assert load_demo(province=None, households=60) is True
        yield


@pytest.fixture
def demo(demo_once: None) -> None:
    return None


def test_every_role_has_a_demo_login(demo: Any) -> None:
    granted = set(
        Grant.objects.filter(user__username__startswith="demo_").values_list("role_id", flat=True)
    )
    assert granted == set(Role.objects.values_list("code", flat=True))
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.real_name == spec.real_name
        assert user.check_password(DEMO_PASSWORD)
        assert user.phone and user.phone.startswith("138")
        levels = set(user.grants.values_list("region__level", flat=True))
        assert levels == {spec.level}


def test_demo_password_satisfies_the_policy() -> None:
    validate_password(DEMO_PASSWORD)


def test_village_profiles_are_realistic(demo: Any) -> None:
    villages = Region.objects.filter(code__startswith=DEMO_COUNTY, level=Level.VILLAGE).count()
    profiles = VillageProfile.objects.filter(county_code=DEMO_COUNTY)
    assert profiles.count() == villages
    poor = profiles.filter(is_poor_village=True)
    assert 0.12 * villages <= poor.count() <= 0.20 * villages
    assert set(poor.values_list("identified_year", flat=True)) == {2014}
    exits = [y for y in poor.values_list("exit_year", flat=True) if y]
    assert len(exits) >= 0.8 * poor.count()
    assert min(exits) >= 2016 and max(exits) <= 2020 and len(set(exits)) >= 3
    for p in profiles:
        assert p.households and p.population and p.rural_population
        assert p.households * 2 < p.population < p.households * 4
        assert p.rural_population <= p.population


def test_organisations_zones_and_command_units(demo: Any) -> None:
    orgs = Organisation.objects.filter(region_code__startswith=DEMO_COUNTY)
    assert orgs.filter(name="射洪市乡村振兴局").exists()
    assert {"教育", "卫健", "人社", "民政", "住建", "水务", "农业农村", "财政", "交通"} <= set(
        orgs.filter(kind="department").values_list("sector", flat=True)
    )
    assert {k for k in orgs.values_list("kind", flat=True)} >= {
        "enterprise",
        "cooperative",
        "bank",
        "school",
        "hospital",
    }
    townships = Region.objects.filter(parent_id=DEMO_COUNTY).count()
    zoned = BattleZone.townships.through.objects.filter(battlezone__county_id=DEMO_COUNTY)
    assert zoned.count() == townships  # every township in exactly one zone
    units = CommandUnit.objects.filter(region_code__startswith=DEMO_COUNTY)
    assert units.filter(kind=CommandUnitKind.LEADING_GROUP).count() == 1
    assert (
        units.filter(kind=CommandUnitKind.WORKING_GROUP, parent__kind="headquarters").count() == 2
    )
    assert units.filter(kind=CommandUnitKind.TOWNSHIP_POST).count() == townships
    rooms = units.filter(kind=CommandUnitKind.VILLAGE_ROOM)
    assert rooms.count() == 2
    assert all(r.region.profile.is_poor_village for r in rooms)
    assert all(u.members.exists() for u in units)


def test_second_run_changes_nothing(demo: Any, django_assert_max_num_queries: Any) -> None:
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(10):
        assert load_demo(province=None) is False
    assert AuditEvent.objects.count() == before


def test_load_is_audited_with_a_reason(demo: Any) -> None:
    # Inserts only: the demo cases then update the profile of the village proposed for exit.
    events = AuditEvent.objects.filter(table_name="regions_villageprofile", action="I")
    assert events.count() == VillageProfile.objects.filter(county_code=DEMO_COUNTY).count()
    assert set(events.values_list("reason", flat=True)) == {"演示数据"}


def test_command_prints_the_logins_even_when_skipping(demo: Any) -> None:
    out = StringIO()
    call_command("load_demo", "--no-province", stdout=out)
    text = out.getvalue()
    assert "未做改动" in text
    for spec in DEMO_USERS:
        assert spec.username in text
    assert "扶贫办/主管部门" in text and DEMO_PASSWORD in text and "射洪市" in text


def test_demo_user_logs_in_by_phone(demo: Any) -> None:
    client = Client()
    response = client.post(
        "/login/", {"username": "13800000003", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "射洪市" in response.content.decode()
    assert response.context["user"].username == "demo_office"
