"""Exit criteria (SPEC §3): the household checklist item by item, and the county rates from
sample findings and survey records (错退率/漏评率 below 2%, 群众认可度 above 90%)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fupin.registry.models import Household, Member
from fupin.workflows.cases import criteria, services
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Sample, SampleItem, Survey

pytestmark = pytest.mark.django_db

CONFIRMED = {"food_secure": True, "clothing_secure": True}
TODAY = dt.date(2026, 3, 1)


def check(household: Any, year: int = 2020, data: Any = CONFIRMED, today: Any = TODAY) -> dict:
    household.refresh_from_db()
    rows = criteria.household_exit_criteria(household, year, data, today=today)
    assert [c.code for c in rows] == [
        "income",
        "food_clothing",
        "education",
        "medical",
        "housing",
        "water",
    ]
    return {c.code: c for c in rows}


def test_all_criteria_pass(officials: Officials, village: Any) -> None:
    h = make_household(officials.village, village, income=Decimal("12003"), year=2020)
    rows = check(h)
    assert all(c.passed for c in rows.values()), [c.detail for c in rows.values()]
    assert criteria.failed(list(rows.values())) == []
    assert "4001.00" in rows["income"].detail and "4000" in rows["income"].detail


@pytest.mark.parametrize(
    ("year", "wage", "passed"),
    [
        (2020, "12003", True),  # 4001 > 4000
        (2020, "12000", False),  # 4000 is not above the line
        (2020, "11997", False),  # 3999
        (2016, "9441", True),  # 3147 > 3146, the 2016 line
        (2016, "9438", False),  # 3146
    ],
)
def test_income_against_the_years_line(
    officials: Officials, village: Any, year: int, wage: str, passed: bool
) -> None:
    h = make_household(officials.village, village, income=Decimal(wage), year=year)
    income = check(h, year=year)["income"]
    assert income.passed is passed
    assert f"{year} 年人均纯收入" in income.detail


def test_no_income_record_fails(officials: Officials, village: Any) -> None:
    h = make_household(officials.village, village, income=None)
    income = check(h)["income"]
    assert not income.passed and income.detail == "未录入 2020 年收入"


def test_income_of_another_year_does_not_count(officials: Officials, village: Any) -> None:
    h = make_household(officials.village, village, income=Decimal("30000"), year=2019)
    assert not check(h, year=2020)["income"].passed


@pytest.mark.parametrize(
    ("data", "passed"),
    [
        (CONFIRMED, True),
        ({"food_secure": True}, False),
        ({"clothing_secure": True}, False),
        ({}, False),
    ],
)
def test_food_and_clothing_must_be_confirmed(
    officials: Officials, village: Any, data: dict, passed: bool
) -> None:
    h = make_household(officials.village, village, year=2020)
    row = check(h, data=data)["food_clothing"]
    assert row.passed is passed
    assert row.detail == ("民主评议已确认" if passed else "民主评议未确认不愁吃、不愁穿")


def test_compulsory_age_dropout_fails_education(officials: Officials, village: Any) -> None:
    h = make_household(officials.village, village, year=2020)
    assert check(h)["education"].passed
    Member.objects.filter(household=h, name="张小明").update(schooling="dropout")
    row = check(h, today=dt.date(2026, 3, 1))  # born 2012-09-01: 13, compulsory age
    assert not row["education"].passed
    assert row["education"].detail == "适龄辍学：张小明"
    # At 17 the same dropout is past compulsory schooling age (6–15).
    assert check(h, today=dt.date(2030, 3, 1))["education"].passed


def test_a_member_who_left_is_not_counted(officials: Officials, village: Any) -> None:
    h = make_household(officials.village, village, year=2020)
    Member.objects.filter(household=h, name="张小明").update(
        schooling="dropout", left_on=dt.date(2025, 1, 1)
    )
    assert check(h)["education"].passed


def test_uninsured_member_fails_medical(officials: Officials, village: Any) -> None:
    h = make_household(officials.village, village, year=2020)
    assert check(h)["medical"].detail == "全员参保"
    Member.objects.filter(household=h, name="李秀兰").update(insured_medical=False)
    row = check(h)["medical"]
    assert not row.passed and row.detail == "未参加基本医疗保险：李秀兰"


@pytest.mark.parametrize(
    ("grade", "rebuilt", "passed"),
    [
        ("A", False, True),
        ("B", False, True),
        ("C", False, False),
        ("D", False, False),
        ("C", True, True),
        ("D", True, True),
        ("", False, False),
    ],
)
def test_housing_grade_or_rebuilt(
    officials: Officials, village: Any, grade: str, rebuilt: bool, passed: bool
) -> None:
    h = make_household(officials.village, village, year=2020)
    Household.objects.filter(pk=h.pk).update(housing_grade=grade, housing_rebuilt=rebuilt)
    row = check(h)["housing"]
    assert row.passed is passed
    if not grade:
        assert "未鉴定" in row.detail
    if rebuilt:
        assert "已改造" in row.detail


@pytest.mark.parametrize(
    ("safe", "difficulty", "passed"),
    [(True, False, True), (False, False, False), (True, True, False)],
)
def test_unsafe_water_fails(
    officials: Officials, village: Any, safe: bool, difficulty: bool, passed: bool
) -> None:
    h = make_household(officials.village, village, year=2020)
    Household.objects.filter(pk=h.pk).update(water_safe=safe, water_difficulty=difficulty)
    row = check(h)["water"]
    assert row.passed is passed
    assert row.detail == ("饮水安全" if passed else "饮水不安全或饮水困难")


# --- county rates -------------------------------------------------------------------------------


def _sample(officials: Officials, county: Any, purpose: str, n: int) -> Sample:
    status = "exited" if purpose == Sample.Purpose.EXITED else "ordinary"
    village = county.children.order_by("code").first().children.order_by("code").first()
    for _ in range(n):
        make_household(officials.village, village, status=status, income=None)
    return services.sample_draw(
        actor=officials.county, region_code=county.code, purpose=purpose, size=n, seed=7
    )


def _find(sample: Sample, bad: str, n_bad: int) -> None:
    items = list(sample.items.order_by("position"))
    for i, item in enumerate(items):
        SampleItem.objects.filter(pk=item.pk).update(finding=bad if i < n_bad else "correct")


def _rows(county: Any) -> dict[str, criteria.Criterion]:
    return {c.code: c for c in criteria.county_exit_criteria(county.code)}


@pytest.mark.parametrize(("n_bad", "rate", "passed"), [(1, "1.67", True), (2, "3.33", False)])
def test_wrong_exit_rate_from_findings(
    officials: Officials, county: Any, n_bad: int, rate: str, passed: bool
) -> None:
    sample = _sample(officials, county, Sample.Purpose.EXITED, 60)
    _find(sample, "wrong_exit", n_bad)
    rates = criteria.county_rates(county.code)
    assert (rates.exited_checked, rates.wrong_exits) == (60, n_bad)
    assert rates.wrong_exit_rate == Decimal(rate)
    row = _rows(county)["wrong_exit"]
    assert row.passed is passed
    assert row.detail == f"抽查已脱贫户 60 户，错退 {n_bad} 户，错退率 {rate}%"


@pytest.mark.parametrize(("n_bad", "passed"), [(1, True), (2, False)])
def test_missed_rate_from_findings(
    officials: Officials, county: Any, n_bad: int, passed: bool
) -> None:
    sample = _sample(officials, county, Sample.Purpose.NON_POOR, 60)
    _find(sample, "missed", n_bad)
    assert _rows(county)["missed"].passed is passed


def test_unchecked_items_and_no_samples(officials: Officials, county: Any) -> None:
    rows = _rows(county)
    assert not rows["wrong_exit"].passed and "尚无抽查结果" in rows["wrong_exit"].detail
    assert not rows["satisfaction"].passed and "尚无调查记录" in rows["satisfaction"].detail
    sample = _sample(officials, county, Sample.Purpose.EXITED, 5)
    SampleItem.objects.filter(pk=sample.items.first().pk).update(finding="wrong_exit")  # type: ignore[union-attr]
    rates = criteria.county_rates(county.code)
    # Only checked items count: 1 of 1 checked, not 1 of 5 drawn.
    assert (rates.exited_checked, rates.wrong_exit_rate) == (1, Decimal("100.00"))


@pytest.mark.parametrize(("satisfied", "passed"), [(91, True), (90, False)])
def test_satisfaction_must_be_above_90(
    officials: Officials, village: Any, county: Any, satisfied: int, passed: bool
) -> None:
    services.survey_record(
        actor=officials.county,
        village_code=village.code,
        surveyed_on=dt.date(2026, 3, 1),
        surveyed=60,
        satisfied=satisfied * 60 // 100,
    )
    services.survey_record(
        actor=officials.county,
        village_code=village.code,
        surveyed_on=dt.date(2026, 3, 2),
        surveyed=40,
        satisfied=satisfied - satisfied * 60 // 100,
    )
    assert Survey.objects.count() == 2
    rates = criteria.county_rates(county.code)
    assert (rates.surveyed, rates.satisfied, rates.satisfaction) == (
        100,
        satisfied,
        Decimal(f"{satisfied}.00"),
    )
    assert _rows(county)["satisfaction"].passed is passed
