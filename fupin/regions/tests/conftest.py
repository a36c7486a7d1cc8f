"""Fixtures of the regions tests: actors and a few records in 射洪市."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.regions import services
from fupin.regions.models import BattleZone, CommandUnit, Organisation, Region
from fupin.testing import Personas

VALID_CREDIT_CODE = "914403001922038216"  # a published code (华为技术有限公司)


@pytest.fixture
def county_office(county_personas: Personas) -> Actor:
    return load_actor(county_personas.in_region)


@pytest.fixture
def organisation(county: Region, county_office: Actor) -> Organisation:
    return services.organisation_create(
        actor=county_office,
        region_code=county.code,
        name="射洪市农业农村局",
        kind="department",
        contact_name="张三",
        contact_phone="13812345678",
    )


@pytest.fixture
def battle_zone(county: Region, township: Region, county_office: Actor) -> BattleZone:
    return services.battle_zone_create(
        actor=county_office,
        county_code=county.code,
        name="第一战区",
        leader_name="李四",
        leader_title="副县长",
        township_codes=[township.code],
    )


@pytest.fixture
def command_unit(county: Region, county_office: Actor) -> CommandUnit:
    return services.command_unit_create(
        actor=county_office,
        region_code=county.code,
        name="射洪市脱贫攻坚指挥部",
        kind="headquarters",
    )


@pytest.fixture
def member(command_unit: CommandUnit, county_office: Actor) -> Any:
    return services.command_unit_member_add(
        actor=county_office,
        unit_id=command_unit.pk,
        name="王五",
        position="指挥长",
        phone="13987654321",
    )
