"""Exit dashboards: jurisdiction at every level, what each shows (stages, failing criteria, the
override report, the village incidence table, the county rates), and the system-warning scan."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from fupin.regions.models import VillageProfile
from fupin.registry.models import Household
from fupin.testing import Personas, assert_jurisdiction, client_for, make_user
from fupin.workflows.cases import services
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.dashboards import views as exits
from fupin.workflows.flows.household_exit import exit_criteria_override
from fupin.workflows.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

EXIT = reverse("workflows:exit_dashboard")
VILLAGES = reverse("workflows:village_exit_dashboard")
COUNTY = reverse("workflows:county_exit_dashboard")


@pytest.fixture
def village_personas(db: Any, village: Any) -> Personas:
    other = village.parent.children.exclude(code=village.code).order_by("code").first()
    return Personas(
        in_region=make_user("v_cadre", ("village", village.code)),
        read_only=make_user("v_viewer", ("viewer", village.code)),
        out_of_region=make_user("v_other", ("village", other.code)),
    )


def test_dashboards_at_every_level(
    county: Any,
    township: Any,
    village: Any,
    county_personas: Personas,
    township_personas: Personas,
    village_personas: Personas,
) -> None:
    for personas, code in (
        (county_personas, county.code),
        (township_personas, township.code),
        (village_personas, village.code),
    ):
        assert_jurisdiction(personas, "get", f"{EXIT}?region={code}")
        assert_jurisdiction(personas, "get", f"{VILLAGES}?region={code}")
    assert_jurisdiction(county_personas, "get", f"{COUNTY}?county={county.code}")
    # Without a region each user gets their own jurisdiction.
    for user in (
        county_personas.read_only,
        township_personas.in_region,
        village_personas.in_region,
    ):
        for url in (EXIT, VILLAGES, COUNTY):
            assert client_for(user).get(url).status_code == 200, (user.username, url)
    page = client_for(township_personas.in_region).get(COUNTY).content.decode()
    assert "贫困县摘帽指标由县级及以上用户查看" in page
    assert (
        client_for(township_personas.in_region).get(f"{COUNTY}?county={county.code}").status_code
        == 404
    )
    assert client_for(county_personas.in_region).get(f"{VILLAGES}?region=51").status_code == 404
    assert client_for(county_personas.in_region).get(f"{EXIT}?region=abc").status_code == 404


def _exit_case(officials: Officials, village: Any, **fields: Any) -> Case:
    h = make_household(officials.village, village, **fields)
    return services.exit_propose(
        actor=officials.village, household_id=h.pk, reason="收入稳定超过标准"
    )


def test_household_exit_dashboard_shows_failures_and_overrides(
    officials: Officials, village: Any, county: Any
) -> None:
    ok = _exit_case(officials, village, income=Decimal("30000"))
    bad = _exit_case(officials, village, income=Decimal("30000"), housing_grade="C")
    Case.objects.filter(pk=ok.pk).update(
        data={**ok.data, "food_secure": True, "clothing_secure": True}
    )
    Case.objects.filter(pk=bad.pk).update(
        data={**bad.data, "food_secure": True, "clothing_secure": True}
    )
    bad.refresh_from_db()
    exit_criteria_override(
        actor=officials.township,
        case_id=bad.pk,
        version=bad.version,
        reason="危房改造年内完工，经乡镇核实放行",
    )
    response = client_for(officials.discipline_user).get(f"{EXIT}?region={county.code}")
    assert response.status_code == 200
    o = response.context["o"]
    assert o.open_total == 2 and o.checked == 2
    assert dict((c, n) for c, _, n in o.failure_counts) == {
        "income": 0, "food_clothing": 0, "education": 0, "medical": 0, "housing": 1, "water": 0,
    }  # fmt: skip
    assert [r.case.pk for r in o.failing] == [bad.pk]
    html = response.content.decode()
    assert bad.case_no in html
    assert 'data-testid="fail-housing">1<' in html
    assert "危房改造年内完工，经乡镇核实放行" in html  # the override report
    assert (
        "xiang" in html and "住房安全有保障（A/B级或已改造）（住房等级：C级（局部危险））" in html
    )
    assert 'data-testid="stage-proposed">2<' in html
    # A year filter keeps other years' cases out.
    other_year = client_for(officials.county_user).get(f"{EXIT}?region={county.code}&year=2001")
    assert other_year.context["o"].open_total == 0


def test_household_exit_dashboard_bounds_the_work(
    officials: Officials, village: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _exit_case(officials, village)
    _exit_case(officials, village)
    monkeypatch.setattr(exits, "EXIT_LIST_LIMIT", 1)
    html = client_for(officials.county_user).get(EXIT).content.decode()
    assert "办理中办件共 2 件，仅核算了最早的 1 件" in html


def test_village_dashboard_incidence_and_start_link(
    officials: Officials, village: Any, township: Any, county: Any
) -> None:
    VillageProfile.objects.create(
        region=village, county_code=county.code, is_poor_village=True, rural_population=480,
        hardened_road=True, power_supply=True, broadband=True, clinic=True, cultural_room=True,
    )  # fmt: skip
    for _ in range(4):
        make_household(officials.village, village)  # 12 poor persons: 2.5%
    start = f"/cases/new/village_exit/?village={village.code}"
    page = client_for(officials.township_user).get(f"{VILLAGES}?region={township.code}")
    assert page.status_code == 200
    row = next(r for r in page.context["rows"] if r.v.code == village.code)
    assert (row.v.poor, row.v.rate, row.eligible, row.can_start) == (
        12,
        Decimal("2.50"),
        True,
        True,
    )
    html = page.content.decode()
    assert start in html and "2.50%" in html and 'data-testid="threshold">3%<' in html
    assert page.context["chart"]["threshold"] == 3.0
    # The county office and the discipline inspector see the table but cannot start a village exit.
    for user in (officials.county_user, officials.discipline_user):
        other = client_for(user).get(f"{VILLAGES}?region={county.code}")
        assert other.status_code == 200 and start not in other.content.decode()
        assert village.name in other.content.decode()
    case = services.village_exit_propose(
        actor=officials.township, village_code=village.code, reason="贫困发生率已达标"
    )
    html = (
        client_for(officials.township_user)
        .get(f"{VILLAGES}?region={township.code}")
        .content.decode()
    )
    assert case.case_no in html and start not in html and "乡镇申报" in html


def test_county_dashboard_rates(officials: Officials, county: Any, village: Any) -> None:
    services.survey_record(
        actor=officials.county, village_code=village.code, surveyed_on=dt.date(2026, 3, 1),
        surveyed=100, satisfied=95,
    )  # fmt: skip
    response = client_for(officials.discipline_user).get(f"{COUNTY}?county={county.code}")
    assert response.status_code == 200
    rows = {c.code: c.passed for c in response.context["rows"]}
    assert rows == {"incidence": False, "wrong_exit": False, "missed": False, "satisfaction": True}
    html = response.content.decode()
    assert "群众认可度高于 90%" in html and 'data-testid="satisfaction">95.00%<' in html
    assert "错退率低于 2%" in html and "尚未发起贫困县摘帽申请" in html


# --- system warnings ---------------------------------------------------------------------------


def test_monitoring_scan_opens_cases_below_the_line_once(
    officials: Officials, village: Any, township: Any, sibling_township: Any
) -> None:
    below_exited = make_household(
        officials.village, village, status="exited", income=Decimal("9000"), year=2025
    )
    below_ordinary = make_household(
        officials.village, village, status="ordinary", income=Decimal("15000"), year=2025
    )
    make_household(officials.village, village, status="poor", income=Decimal("9000"), year=2025)
    make_household(officials.village, village, status="exited", income=Decimal("30000"), year=2025)
    make_household(officials.village, village, status="exited", income=Decimal("9000"), year=2024)
    elsewhere = sibling_township.children.order_by("code").first()
    make_household(officials.county, elsewhere, status="exited", income=Decimal("9000"), year=2025)

    out = io.StringIO()
    call_command("monitoring_scan", "--region", township.code, "--year", "2025", stdout=out)
    assert "新开启监测办件 2 件" in out.getvalue()
    cases = Case.objects.filter(kind="monitoring")
    assert {c.household_id for c in cases} == {below_exited.pk, below_ordinary.pk}
    assert cases.count() == 2
    assert {c.channel for c in cases} == {"system"}
    assert all("系统预警" in c.title and c.is_open for c in cases)

    out = io.StringIO()
    call_command("monitoring_scan", "--region", township.code, "--year", "2025", stdout=out)
    assert "新开启监测办件 0 件" in out.getvalue()
    assert Case.objects.filter(kind="monitoring").count() == 2
    assert Household.objects.get(pk=below_exited.pk).status == "exited"  # status unchanged

    with pytest.raises(CommandError, match="不存在"):
        call_command("monitoring_scan", "--region", "999999", "--year", "2025")


def test_village_dashboard_queries_do_not_grow_with_villages(
    officials: Officials, county: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(officials.county_user)
    client.get(VILLAGES)  # warm the session and the actor
    with django_assert_max_num_queries(20):
        response = client.get(f"{VILLAGES}?region={county.code}")
    assert len(response.context["rows"]) > 100  # every village of the county, no N+1
