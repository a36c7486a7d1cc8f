"""Traffic lights (亮灯预警): green → yellow → red, the annual target, lower-is-better
indicators, the reminder interview, and the jurisdiction of the board and forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.errors import Conflict, ValidationFailed
from fupin.supervision.lights import services as lights
from fupin.supervision.models import Light, QuarterTarget, ReminderInterview
from fupin.testing import Personas, assert_jurisdiction, client_for

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def office(county_personas: Personas) -> Actor:
    return load_actor(county_personas.in_region)


def enter(
    actor: Actor,
    region: str,
    quarter: int,
    target: str,
    actual: str | None,
    *,
    year: int = YEAR,
    indicator: str = "fund_spending",
    annual: str | None = None,
) -> QuarterTarget:
    loaded = QuarterTarget.objects.filter(  # the version the form was loaded with
        region_code=region, indicator_id=indicator, year=year, quarter=quarter
    ).first()
    return lights.target_save(
        actor=actor,
        region_code=region,
        indicator_code=indicator,
        year=year,
        quarter=quarter,
        target=Decimal(target),
        annual_target=Decimal(annual) if annual else None,
        actual=Decimal(actual) if actual is not None else None,
        version=loaded.version if loaded else None,
    )


def light(region: str, quarter: int, *, year: int = YEAR, indicator: str = "fund_spending") -> str:
    return QuarterTarget.objects.get(
        region_code=region, indicator_id=indicator, year=year, quarter=quarter
    ).light


def test_default_indicators_are_seeded() -> None:
    names = dict(lights.Indicator.objects.values_list("code", "name"))
    assert names["poverty_reduction"] == "季度减贫人数"
    assert names["fund_spending"] == "扶贫资金支出进度"
    assert names["alert_closure"] == "预警按期销号率"
    assert names["visit_completion"] == "帮扶走访完成率"


def test_acceptance_a_unit_missing_two_quarters_turns_red(office: Actor, township: Any) -> None:
    code = township.code
    assert enter(office, code, 1, "25", "30").light == Light.GREEN
    assert enter(office, code, 2, "50", "42").light == Light.YELLOW
    assert enter(office, code, 3, "75", "60").light == Light.RED  # second missed quarter
    assert enter(office, code, 4, "100", "100").light == Light.GREEN  # back on track
    # Correcting Q2 (target met after all) recomputes Q3: one missed quarter is yellow.
    enter(office, code, 2, "50", "55")
    assert light(code, 2) == Light.GREEN and light(code, 3) == Light.YELLOW


def test_a_target_entered_meanwhile_is_not_overwritten(
    office: Actor, county_personas: Personas, township: Any
) -> None:
    """Two people open the empty form of the same quarter (no version): the second save is a
    conflict naming the first, not a silent overwrite."""
    enter(office, township.code, 1, "25", "30")
    with pytest.raises(Conflict, match=f"该目标已被 {county_personas.in_region} 于 "):
        lights.target_save(
            actor=office, region_code=township.code, indicator_code="fund_spending",
            year=YEAR, quarter=1, target=Decimal("40"), version=None,
        )  # fmt: skip
    row = QuarterTarget.objects.get(region_code=township.code, year=YEAR, quarter=1)
    assert row.target == Decimal("25.00") and row.version == 1


def test_two_missed_quarters_across_the_year_boundary(office: Actor, township: Any) -> None:
    enter(office, township.code, 4, "100", "90", year=YEAR - 1)
    assert light(township.code, 4, year=YEAR - 1) == Light.YELLOW
    assert enter(office, township.code, 1, "25", "20").light == Light.RED
    # A quarter without an actual has no light and does not count as missed.
    assert enter(office, township.code, 2, "50", None).light == ""


def test_missed_annual_target_turns_q4_red(office: Actor, township: Any) -> None:
    code = township.code
    # 季度减贫人数: every quarter meets its target, but the four quarters sum to 95 < 100.
    for quarter in (1, 2, 3):
        enter(office, code, quarter, "20", "20", indicator="poverty_reduction")
    q4 = enter(office, code, 4, "30", "35", indicator="poverty_reduction", annual="100")
    assert q4.light == Light.RED
    q4 = enter(office, code, 4, "30", "40", indicator="poverty_reduction", annual="100")
    assert q4.light == Light.GREEN  # 20 + 20 + 20 + 40 = 100
    # A percentage indicator compares the year-end (Q4) value with the annual target.
    q4 = enter(office, code, 4, "90", "92", annual="95")
    assert q4.light == Light.RED
    q4 = enter(office, code, 4, "90", "96", annual="95")
    assert q4.light == Light.GREEN


def test_lower_is_better(office: Actor, township: Any) -> None:
    def returned(quarter: int, actual: str) -> str:
        row = enter(office, township.code, quarter, "5", actual, indicator="new_return_poverty")
        return row.light

    assert returned(1, "3") == Light.GREEN
    assert returned(2, "5") == Light.GREEN  # equal to the ceiling is met
    assert returned(3, "6") == Light.YELLOW
    assert returned(4, "9") == Light.RED


def test_validation_messages(office: Actor, township: Any) -> None:
    with pytest.raises(ValidationFailed, match="不能超过100"):
        enter(office, township.code, 1, "50", "120")
    with pytest.raises(ValidationFailed, match="不能为负数"):
        enter(office, township.code, 1, "-1", None)
    future = timezone.localdate().year + 1
    with pytest.raises(ValidationFailed, match="尚未到该季度"):
        enter(office, township.code, 1, "50", "20", year=future)
    with pytest.raises(ValidationFailed, match="应为数字"):
        lights.parse_decimal("abc", "target", "季度目标值", required=True)


def test_yellow_light_waits_for_a_reminder_interview(
    county_personas: Personas, office: Actor, county: Any, township: Any
) -> None:
    enter(office, township.code, 1, "25", "30")
    yellow = enter(office, township.code, 2, "50", "40")
    client = client_for(county_personas.in_region)
    board = reverse("supervision:lights")
    html = client.get(f"{board}?year={YEAR}").content.decode()
    assert "待提醒谈话" in html and township.name in html
    assert 'data-light="yellow"' in html and 'data-light="green"' in html
    url = reverse("supervision:light_interview", args=[yellow.pk])
    # Missing fields: the form comes back with a Chinese message, nothing recorded.
    response = client.post(url, {"held_on": "2024-07-05", "interviewer": "杨秀英"})
    assert response.status_code == 422 and "请填写谈话对象" in response.content.decode()
    response = client.post(
        url,
        {
            "held_on": "2024-07-05",
            "interviewer": "杨秀英（扶贫办局长）",
            "interviewee": "乡镇党委书记",
            "notes": "第二季度资金支出进度滞后，要求7月底前追赶进度。",
        },
    )
    assert response.status_code == 302
    assert ReminderInterview.objects.filter(target=yellow).count() == 1
    html = client.get(f"{board}?year={YEAR}").content.decode()
    assert 'data-testid="pending-interview"' not in html and "已谈话 1 次" in html
    # A green light needs no interview.
    green = QuarterTarget.objects.get(region_code=township.code, year=YEAR, quarter=1)
    with pytest.raises(ValidationFailed, match="只有亮黄灯或红灯"):
        lights.interview_record(
            actor=office,
            target_id=green.pk,
            held_on=dt.date(2024, 4, 2),
            interviewer="甲",
            interviewee="乙",
            notes="无",
        )


def test_target_form_posts_and_shows_errors(county_personas: Personas, township: Any) -> None:
    client = client_for(county_personas.in_region)
    url = reverse("supervision:light_target")
    data = {"region": township.code, "indicator": "fund_spending", "year": YEAR, "quarter": 1}
    response = client.post(url, {**data, "target": "", "actual": "20"})
    assert response.status_code == 422 and "请填写季度目标值" in response.content.decode()
    response = client.post(url, {**data, "target": "25", "actual": "20"})
    assert response.status_code == 302
    row = QuarterTarget.objects.get(region_code=township.code, year=YEAR, quarter=1)
    assert row.light == Light.YELLOW and row.actual == Decimal("20.00")
    # A stale version is a conflict, not a silent overwrite.
    response = client.post(url, {**data, "target": "25", "actual": "30", "version": "99"})
    assert response.status_code == 409
    assert f"该目标已被 {county_personas.in_region} 于 " in response.content.decode()


def test_jurisdiction(county_personas: Personas, office: Actor, county: Any, township: Any) -> None:
    row = enter(office, township.code, 2, "50", "40")
    board = reverse("supervision:lights")
    assert_jurisdiction(county_personas, "get", f"{board}?year={YEAR}&region={county.code}")
    # Discipline (read-only) sees the lights.
    html = client_for(county_personas.read_only).get(f"{board}?year={YEAR}").content.decode()
    assert township.name in html and "录入目标和完成值" not in html
    target_url = reverse("supervision:light_target")
    assert_jurisdiction(county_personas, "get", f"{target_url}?region={township.code}", write=True)
    body = {
        "region": township.code,
        "indicator": "visit_completion",
        "year": YEAR,
        "quarter": 1,
        "target": "90",
        "actual": "95",
    }
    assert_jurisdiction(county_personas, "post", target_url, body, ok=(302,))
    interview = reverse("supervision:light_interview", args=[row.pk])
    assert_jurisdiction(county_personas, "get", interview)
    body = {"held_on": "2024-07-01", "interviewer": "甲", "interviewee": "乙", "notes": "提醒"}
    assert_jurisdiction(county_personas, "post", interview, body, ok=(302,))
    assert ReminderInterview.objects.filter(target=row).count() == 1
