"""Every shipped rule (R101–R106 on the registry, R201–R203 on cases): it fires on a matching
subject, not on a near miss, records that its condition cleared (the alert stays open) and
re-opens the condition when it returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fupin.core.models import Parameter
from fupin.core.rules import RULES
from fupin.registry.models import Doubt, Household, Income, Member
from fupin.supervision import engine
from fupin.supervision.alerts.services import SYSTEM
from fupin.supervision.models import Alert
from fupin.workflows import engine as wf
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


def household(
    officials: Officials,
    village: Any,
    *,
    status: str = "poor",
    income: Decimal | None = None,
    year: int | None = None,
    **fields: Any,
) -> Household:
    """A clean household (helper named, safe house, no alert), then `fields` set directly
    (no on-change re-check: the sweep under test finds them)."""
    hh = make_household(
        officials.county, village, status=status, income=income, year=year, helper_name="王帮扶"
    )
    assert not Alert.objects.filter(household_id=hh.pk).exists()
    if fields:
        Household.objects.filter(pk=hh.pk).update(**fields)
        hh.refresh_from_db()
    return hh


def run(code: str, region: str, today: dt.date = TODAY) -> engine.SweepResult:
    return engine.run_rule(RULES[code], region_code=region, today=today)


def alert_of(code: str, subject_id: int) -> Alert | None:
    return Alert.objects.filter(rule_code=code, subject_id=subject_id, is_open=True).first()


def assert_fires_clears_returns(
    code: str, region: str, subject_id: int, clear: Any, restore: Any, today: dt.date = TODAY
) -> Alert:
    """Fire → cleared (still open) → condition back (cleared_at NULL again), one alert."""
    first = run(code, region, today)
    assert first.opened == 1, first
    alert = alert_of(code, subject_id)
    assert alert is not None and alert.cleared_at is None and alert.hit_count == 1
    clear()
    result = run(code, region, today)
    assert (result.opened, result.refreshed, result.cleared) == (0, 0, 1)
    alert.refresh_from_db()
    assert alert.cleared_at is not None and alert.is_open
    restore()
    result = run(code, region, today)
    assert (result.opened, result.refreshed, result.cleared) == (0, 1, 0)
    alert.refresh_from_db()
    assert alert.cleared_at is None and alert.is_open and alert.hit_count == 2
    assert Alert.objects.filter(rule_code=code, subject_id=subject_id).count() == 1
    return alert


# --- R101 exited household below the line ----------------------------------------------------


def test_r101_exited_household_below_the_years_line(officials: Officials, village: Any) -> None:
    # 2025 has no year default: the line is the general default 4000 yuan.
    low = household(officials, village, status="exited", income=Decimal("9000"), year=2025)
    household(officials, village, status="exited", income=Decimal("13500"), year=2025)  # 4500
    household(officials, village, status="poor", income=Decimal("6000"), year=2025)  # not exited
    # An older low year does not count: the latest year is above the line.
    older = household(officials, village, status="exited", income=Decimal("6000"), year=2023)
    Income.objects.create(
        household=older, county_code=older.county_code, year=2025, size=3, wage=Decimal("15000")
    )
    # 2017's line is 3335: 3400 per person is above it, though below the 4000 default.
    household(officials, village, status="exited", income=Decimal("10200"), year=2017)
    income = low.incomes.get()

    def clear() -> None:
        Income.objects.filter(pk=income.pk).update(wage=Decimal("15000"))

    def restore() -> None:
        Income.objects.filter(pk=income.pk).update(wage=Decimal("9000"))

    alert = assert_fires_clears_returns("R101", village.code[:6], low.pk, clear, restore)
    assert Alert.objects.filter(rule_code="R101").count() == 1
    assert alert.evidence["年度"] == 2025 and Decimal(alert.evidence["贫困标准"]) == 4000
    assert alert.subject_type == "household" and alert.household_id == low.pk
    assert alert.unit_code == village.code and alert.severity == "high"


def test_r101_below_the_line_of_its_own_year(officials: Officials, village: Any) -> None:
    hit = household(officials, village, status="exited", income=Decimal("9900"), year=2017)
    assert run("R101", village.code[:6]).opened == 1  # 3300 < 3335
    alert = alert_of("R101", hit.pk)
    assert alert is not None and Decimal(alert.evidence["贫困标准"]) == Decimal("3335")


def test_r101_honours_a_county_override_of_the_line(officials: Officials, village: Any) -> None:
    hh = household(officials, village, status="exited", income=Decimal("13500"), year=2025)
    assert run("R101", village.code[:6]).opened == 0  # 4500 ≥ 4000
    Parameter.objects.create(
        key="registry.poverty_line", region_code=village.code[:6], year=2025, value="5000"
    )
    assert run("R101", village.code[:6]).opened == 1
    assert alert_of("R101", hh.pk) is not None


# --- R102 school-age dropout -------------------------------------------------------------------


def years_before(day: dt.date, years: int, days: int = 0) -> dt.date:
    return day.replace(year=day.year - years) - dt.timedelta(days=days)


def child(hh: Household, birth: dt.date, schooling: str) -> Member:
    son = hh.members.get(relation="son")
    Member.objects.filter(pk=son.pk).update(birth_date=birth, schooling=schooling)
    son.refresh_from_db()
    return son


def test_r102_school_age_child_out_of_school(officials: Officials, village: Any) -> None:
    county = village.code[:6]
    hit = child(household(officials, village), years_before(TODAY, 10), "not_in_school")
    dropout = child(household(officials, village), years_before(TODAY, 12), "dropout")
    last_year = child(household(officials, village), years_before(TODAY, 16, -1), "dropout")
    child(household(officials, village), years_before(TODAY, 5), "not_in_school")
    child(household(officials, village), years_before(TODAY, 16), "dropout")  # 16 today
    child(household(officials, village), years_before(TODAY, 10), "primary")
    child(household(officials, village, status="ordinary"), years_before(TODAY, 10), "dropout")
    gone = child(household(officials, village), years_before(TODAY, 10), "dropout")
    Member.objects.filter(pk=gone.pk).update(left_on=TODAY)

    def clear() -> None:
        Member.objects.filter(pk=hit.pk).update(schooling="primary")

    def restore() -> None:
        Member.objects.filter(pk=hit.pk).update(schooling="not_in_school")

    assert run("R102", county).opened == 3
    assert {a.subject_id for a in Alert.objects.filter(rule_code="R102")} == {
        hit.pk, dropout.pk, last_year.pk,
    }  # fmt: skip
    Alert.objects.filter(rule_code="R102").delete()
    Member.objects.filter(pk__in=[dropout.pk, last_year.pk]).update(schooling="junior")
    alert = assert_fires_clears_returns("R102", county, hit.pk, clear, restore)
    assert alert.subject_type == "member" and alert.scope_id == hit.household_id
    assert alert.evidence == {"年龄": 10, "在校生状况": "非在校生"}


def test_r102_honours_the_school_age_parameter(officials: Officials, village: Any) -> None:
    county = village.code[:6]
    sixteen = child(household(officials, village), years_before(TODAY, 16), "dropout")
    assert run("R102", county).opened == 0
    Parameter.objects.create(
        key="registry.compulsory_school_age_to", region_code=county, year=None, value=16
    )
    assert run("R102", county).opened == 1
    assert alert_of("R102", sixteen.pk) is not None


# --- R103 uninsured member ---------------------------------------------------------------------


def test_r103_member_without_medical_insurance(officials: Officials, village: Any) -> None:
    hh = household(officials, village)
    wife = hh.members.get(relation="spouse")
    Member.objects.filter(pk=wife.pk).update(insured_medical=False)
    left = household(officials, village).members.get(relation="spouse")
    Member.objects.filter(pk=left.pk).update(insured_medical=False, left_on=TODAY)
    removed = household(officials, village, status="removed").members.get(relation="spouse")
    Member.objects.filter(pk=removed.pk).update(insured_medical=False)
    exited = household(officials, village, status="exited").members.get(relation="spouse")
    Member.objects.filter(pk=exited.pk).update(insured_medical=False)

    assert run("R103", village.code[:6]).opened == 2  # the poor and the exited household
    Alert.objects.filter(rule_code="R103").delete()
    Member.objects.filter(pk=exited.pk).update(insured_medical=True)
    alert = assert_fires_clears_returns(
        "R103", village.code[:6], wife.pk,
        lambda: Member.objects.filter(pk=wife.pk).update(insured_medical=True),
        lambda: Member.objects.filter(pk=wife.pk).update(insured_medical=False),
    )  # fmt: skip
    assert alert.severity == "medium" and alert.evidence == {"参加基本医疗保险": "否"}


# --- R104 dangerous housing --------------------------------------------------------------------


def test_r104_dangerous_house_not_rebuilt(officials: Officials, village: Any) -> None:
    grade_c = household(officials, village, housing_grade="C")
    grade_d = household(officials, village, housing_grade="D")
    household(officials, village, housing_grade="C", housing_rebuilt=True)
    household(officials, village, housing_grade="B")
    household(officials, village, housing_grade="D", status="ordinary")
    assert run("R104", village.code[:6]).opened == 2
    alert = alert_of("R104", grade_d.pk)
    assert alert is not None and alert.evidence["住房安全等级"] == "D级"
    assert alert.unit_code == village.code[:9]  # the township rectifies
    Alert.objects.filter(rule_code="R104").delete()
    Household.objects.filter(pk=grade_d.pk).update(housing_grade="B")
    assert_fires_clears_returns(
        "R104", village.code[:6], grade_c.pk,
        lambda: Household.objects.filter(pk=grade_c.pk).update(housing_rebuilt=True),
        lambda: Household.objects.filter(pk=grade_c.pk).update(housing_rebuilt=False),
    )  # fmt: skip


# --- R105 no helper ----------------------------------------------------------------------------


def test_r105_poor_household_without_helper(officials: Officials, village: Any) -> None:
    hit = household(officials, village, helper_name="")
    household(officials, village)  # helper named
    household(officials, village, helper_name="", status="exited")
    household(officials, village, helper_name="", helper_id=officials.village_user.pk)
    assert run("R105", village.code[:6]).opened == 1
    Alert.objects.all().delete()
    assert_fires_clears_returns(
        "R105", village.code[:6], hit.pk,
        lambda: Household.objects.filter(pk=hit.pk).update(helper_name="李帮扶"),
        lambda: Household.objects.filter(pk=hit.pk).update(helper_name=""),
    )  # fmt: skip
    Alert.objects.filter(rule_code="R105").delete()
    Household.objects.filter(pk=hit.pk).update(status="returned")
    assert run("R105", village.code[:6]).opened == 1


# --- R106 error-level doubts -------------------------------------------------------------------


def doubt(hh: Household, severity: str, rule_code: str = "H01") -> Doubt:
    return Doubt.objects.create(
        household=hh, county_code=hh.county_code, region_code=hh.region_code,
        rule_code=rule_code, severity=severity, message="测试疑点",
    )  # fmt: skip


def test_r106_error_doubts(officials: Officials, village: Any) -> None:
    hit = household(officials, village)
    warned = household(officials, village)
    Doubt.objects.all().delete()
    doubt(hit, "error", "H01")
    doubt(hit, "error", "M02")
    doubt(warned, "warning")
    result = run("R106", village.code[:6])
    assert result.opened == 1
    alert = alert_of("R106", hit.pk)
    assert alert is not None
    assert alert.evidence["疑点数"] == 2 and sorted(alert.evidence["规则"]) == ["H01", "M02"]
    Alert.objects.all().delete()
    assert_fires_clears_returns(
        "R106", village.code[:6], hit.pk,
        lambda: Doubt.objects.filter(household=hit).delete(),
        lambda: doubt(hit, "error"),
    )  # fmt: skip


# --- R201–R203 on cases ------------------------------------------------------------------------


def make_case(village: Any, kind: str, state: str, household: Household | None = None) -> Case:
    case = wf.case_create(
        actor=SYSTEM, kind=kind, region=village, title="测试办件", household=household,
        system=True,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    return case


def later(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_r201_case_stuck_in_one_state(officials: Officials, village: Any, township: Any) -> None:
    stuck = make_case(village, "identification", "reviewed", household(officials, village))
    other = make_case(village, "monitoring", "declared", household(officials, village))
    done = make_case(village, "identification", "registered", household(officials, village))
    Case.objects.filter(pk=done.pk).update(is_open=False)
    county = village.code[:6]
    assert run("R201", county, later(30)).opened == 0  # 30 days is the limit, not over it
    assert run("R201", county, later(31)).opened == 2
    assert {a.subject_id for a in Alert.objects.filter(rule_code="R201")} == {stuck.pk, other.pk}
    alert = alert_of("R201", stuck.pk)
    assert alert is not None and alert.subject_type == "case" and alert.scope_id == stuck.pk
    assert alert.evidence["停留天数"] == 31 and alert.unit_code == village.code[:9]
    Alert.objects.filter(rule_code="R201").delete()
    Case.objects.filter(pk=other.pk).update(is_open=False)

    def clear() -> None:
        Case.objects.filter(pk=stuck.pk).update(state_since=timezone.now() + dt.timedelta(days=30))

    def restore() -> None:
        Case.objects.filter(pk=stuck.pk).update(state_since=timezone.now())

    assert_fires_clears_returns("R201", county, stuck.pk, clear, restore, later(31))


def test_r201_honours_the_days_parameter(officials: Officials, village: Any) -> None:
    make_case(village, "identification", "reviewed", household(officials, village))
    county = village.code[:6]
    Parameter.objects.create(key="rules.R201.days", region_code=county, year=None, value=45)
    assert run("R201", county, later(40)).opened == 0
    assert run("R201", county, later(46)).opened == 1


def test_case_rules_in_one_village_open_one_alert_per_case(
    officials: Officials, village: Any
) -> None:
    """Several cases of one village are each their own alert (alert cases are not village
    cases: no one-open-case-per-village clash)."""
    cases = [
        make_case(village, "identification", "reviewed", household(officials, village))
        for _ in range(3)
    ]
    assert run("R201", village.code[:6], later(31)).opened == 3
    assert run("R203", village.code[:6], later(31)).opened == 0
    assert Alert.objects.filter(rule_code="R201").count() == len(cases)


def test_r202_notice_not_published_in_time(officials: Officials, village: Any) -> None:
    waiting = make_case(village, "identification", "verified", household(officials, village))
    make_case(village, "identification", "reviewed", household(officials, village))
    make_case(village, "household_exit", "consented", household(officials, village))
    county = village.code[:6]
    assert run("R202", county, later(5)).opened == 0
    assert run("R202", county, later(6)).opened == 2  # identification and exit awaiting notice
    assert alert_of("R202", waiting.pk) is not None
    Alert.objects.filter(rule_code="R202").delete()
    Case.objects.filter(kind="household_exit").update(is_open=False)
    assert_fires_clears_returns(
        "R202", county, waiting.pk,
        lambda: Case.objects.filter(pk=waiting.pk).update(state="village_notice"),
        lambda: Case.objects.filter(pk=waiting.pk).update(state="verified"),
        later(6),
    )  # fmt: skip


def test_r202_honours_the_days_parameter(officials: Officials, village: Any) -> None:
    make_case(village, "identification", "verified", household(officials, village))
    Parameter.objects.create(key="rules.R202.days", region_code=village.code[:6], value=10)
    assert run("R202", village.code[:6], later(8)).opened == 0
    assert run("R202", village.code[:6], later(11)).opened == 1


def test_r203_monitoring_without_measures(officials: Officials, village: Any) -> None:
    confirmed = make_case(village, "monitoring", "confirmed", household(officials, village))
    make_case(village, "monitoring", "assisting", household(officials, village))
    county = village.code[:6]
    assert run("R203", county, later(15)).opened == 0
    assert run("R203", county, later(16)).opened == 1
    alert = alert_of("R203", confirmed.pk)
    assert alert is not None and alert.evidence["确认纳入后天数"] == 16
    Alert.objects.all().delete()
    assert_fires_clears_returns(
        "R203", county, confirmed.pk,
        lambda: Case.objects.filter(pk=confirmed.pk).update(state="assisting"),
        lambda: Case.objects.filter(pk=confirmed.pk).update(state="confirmed"),
        later(16),
    )  # fmt: skip


def test_r203_honours_the_days_parameter(officials: Officials, village: Any) -> None:
    make_case(village, "monitoring", "confirmed", household(officials, village))
    Parameter.objects.create(key="rules.R203.days", region_code=village.code[:2], value=20)
    assert run("R203", village.code[:6], later(16)).opened == 0
    assert run("R203", village.code[:6], later(21)).opened == 1


def test_case_days_are_counted_in_local_time(officials: Officials, village: Any) -> None:
    """A case that moved at 01:00 Beijing time (the previous day in UTC) has been there 30
    days on the 30th day after, not 31."""
    from zoneinfo import ZoneInfo

    case = make_case(village, "identification", "reviewed", household(officials, village))
    moved = dt.datetime(2026, 6, 1, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    Case.objects.filter(pk=case.pk).update(state_since=moved)
    assert run("R201", village.code[:6], dt.date(2026, 7, 1)).opened == 0
    assert run("R201", village.code[:6], dt.date(2026, 7, 2)).opened == 1
    alert = alert_of("R201", case.pk)
    assert alert is not None and alert.evidence["停留天数"] == 31
