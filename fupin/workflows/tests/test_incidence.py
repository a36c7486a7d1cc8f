"""ACCEPTANCE (SPEC §3): a village at 2.5% incidence may exit in a western province (3% line,
Sichuan) and may not in a central one (2% line, Henan); the line is resolved per province and a
stored override at the province still wins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core import params
from fupin.core.errors import ValidationFailed
from fupin.regions.loader import load_regions
from fupin.regions.models import Level, Region, VillageProfile
from fupin.testing import make_user
from fupin.workflows import engine
from fupin.workflows.cases import criteria, services
from fupin.workflows.conftest import Officials, make_household

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

HENAN_COUNTY = "410102"  # 郑州市中原区 (vendored NBS 2023 data)
KEY = "village.incidence_threshold"


def poor_village(village: Any, rural: int = 480) -> None:
    VillageProfile.objects.update_or_create(
        region=village,
        defaults={
            "county_code": village.code[:6],
            "is_poor_village": True,
            "rural_population": rural,
            "hardened_road": True,
            "power_supply": True,
            "broadband": True,
            "clinic": True,
            "cultural_room": True,
        },
    )


def with_poor_persons(actor: Any, village: Any, households: int = 4) -> None:
    """`households` poor households of three current members each (4 → 12 persons)."""
    for _ in range(households):
        make_household(actor, village)


@pytest.fixture
def henan() -> Any:
    """One Henan village with a township user and a village user over it."""
    load_regions([HENAN_COUNTY])
    village = (
        Region.objects.filter(code__startswith=HENAN_COUNTY, level=Level.VILLAGE)
        .order_by("code")
        .first()
    )
    assert village is not None
    township = load_actor(make_user("hn_xiang", ("township", village.code[:9])))
    cadre = load_actor(make_user("hn_cun", ("village", village.code)))
    return village, township, cadre


def by_code(rows: list[criteria.Criterion]) -> dict[str, criteria.Criterion]:
    return {c.code: c for c in rows}


def test_threshold_resolves_per_province(village: Any, henan: Any) -> None:
    henan_village = henan[0]
    assert params.get(KEY, region_code=village.code) == Decimal("3")  # Sichuan: western
    assert params.get(KEY, region_code=henan_village.code) == Decimal("2")  # Henan: central
    assert params.get(KEY, region_code=HENAN_COUNTY) == Decimal("2")


def test_western_village_at_2_5_percent_may_exit(officials: Officials, village: Any) -> None:
    poor_village(village, rural=480)
    with_poor_persons(officials.village, village)  # 12 / 480 = 2.5%
    rows = by_code(criteria.village_exit_criteria(village.code))
    assert rows["incidence"].passed, rows["incidence"].detail
    assert rows["incidence"].label == "贫困发生率低于 3%"
    assert rows["incidence"].detail == "贫困人口 12 人 / 农业人口 480 人 = 2.50%"
    assert criteria.failed(list(rows.values())) == []
    (row,) = [v for v in criteria.village_incidences(village.code[:9]) if v.code == village.code]
    assert (row.poor, row.rate, row.threshold, row.below) == (12, Decimal("2.50"), 3, True)

    case = services.village_exit_propose(
        actor=officials.township, village_code=village.code, reason="贫困发生率已降至2.5%"
    )
    case = engine.case_transition(
        actor=officials.township, case_id=case.pk, step="township_verify", comment="核实属实"
    )
    assert case.state == "township_verified"
    assert case.data["incidence"] == "贫困人口 12 人 / 农业人口 480 人 = 2.50%"


def test_central_village_at_2_5_percent_may_not_exit(henan: Any) -> None:
    village, township, cadre = henan
    poor_village(village, rural=480)
    with_poor_persons(cadre, village)
    rows = by_code(criteria.village_exit_criteria(village.code))
    assert not rows["incidence"].passed
    assert rows["incidence"].label == "贫困发生率低于 2%"
    assert rows["incidence"].detail == "贫困人口 12 人 / 农业人口 480 人 = 2.50%"
    assert [c.code for c in criteria.failed(list(rows.values()))] == ["incidence"]
    (row,) = criteria.village_incidences(village.code)
    assert (row.threshold, row.below) == (Decimal("2"), False)

    case = services.village_exit_propose(
        actor=township, village_code=village.code, reason="申请退出贫困村"
    )
    with pytest.raises(ValidationFailed, match="未达到贫困村退出标准：贫困发生率低于 2%"):
        engine.case_transition(
            actor=township, case_id=case.pk, step="township_verify", comment="核实"
        )
    case.refresh_from_db()
    assert case.state == "applied"

    # Below 2% (12 / 610 = 1.97%) the same village passes.
    VillageProfile.objects.filter(region=village).update(rural_population=610)
    case = engine.case_transition(
        actor=township, case_id=case.pk, step="township_verify", comment="核实属实"
    )
    assert case.state == "township_verified"


def test_stored_province_override_still_wins(henan: Any) -> None:
    village, township, cadre = henan
    admin = load_actor(make_user("hn_admin", ("region_admin", "41")))
    params.set_parameter(
        actor=admin, key=KEY, region_code="41", year=None, value="3", reason="省里按3%执行"
    )
    assert params.get(KEY, region_code=village.code) == Decimal("3")
    poor_village(village, rural=480)
    with_poor_persons(cadre, village)
    rows = by_code(criteria.village_exit_criteria(village.code))
    assert rows["incidence"].passed and rows["incidence"].label == "贫困发生率低于 3%"
    case = services.village_exit_propose(
        actor=township, village_code=village.code, reason="申请退出贫困村"
    )
    case = engine.case_transition(
        actor=township, case_id=case.pk, step="township_verify", comment="核实属实"
    )
    assert case.state == "township_verified"


def test_a_national_override_does_not_beat_the_province_default(henan: Any) -> None:
    village = henan[0]
    superuser = load_actor(make_user("root", is_superuser=True))
    params.set_parameter(
        actor=superuser, key=KEY, region_code="", year=None, value="5", reason="全国值"
    )
    assert params.get(KEY, region_code=village.code) == Decimal("2")


def test_township_override_shows_per_village_on_the_county_table(
    officials: Officials, village: Any, township: Any
) -> None:
    """An override below the listed region: the table resolves it per village, as the guard."""
    admin = load_actor(make_user("xian_admin", ("region_admin", village.code[:6])))
    params.set_parameter(
        actor=admin, key=KEY, region_code=township.code, year=None, value="1.5", reason="试点"
    )
    rows = {v.code: v for v in criteria.village_incidences(village.code[:6])}
    assert rows[village.code].threshold == Decimal("1.5")
    other = next(code for code in rows if not code.startswith(township.code))
    assert rows[other].threshold == Decimal("3")
