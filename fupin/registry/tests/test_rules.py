"""Every rule of the catalogue: a case that makes it fire and a near miss where it does not.

Bundles are built from unsaved model instances (as entry does) with fixed lines and parameters,
so these tests need no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from fupin.core import params
from fupin.registry.models import Household, Income, Member
from fupin.registry.validation import Bundle, Severity, all_rules, validate_bundle

TODAY = dt.date(2024, 6, 1)
LINES = {2019: Decimal("3747"), 2020: Decimal("4000")}


def born(age: int, month: int = 1) -> dt.date:
    """A birth date giving `age` full years on TODAY."""
    return dt.date(TODAY.year - age, month, 1)


def make_member(name: str, relation: str, age: int, **extra: Any) -> Member:
    sex = extra.pop("sex", "女" if relation in {"spouse", "daughter", "mother"} else "男")
    return Member(
        name=name,
        relation=relation,
        sex=sex,
        birth_date=extra.pop("birth_date", born(age)),
        insured_medical=True,
        **extra,
    )


def base_bundle() -> Bundle:
    household = Household(
        region_code="510981001001",
        county_code="510981",
        household_no="5109810001",
        head_name="张大山",
        phone="13812345678",
        bank_account="6217000012345678",
        attribute="general",
        identified_year=2014,
        main_cause="illness",
        status="poor",
        declared_size=3,
        helper_name="王帮扶",
        arable_land=Decimal("3.00"),
        irrigated_land=Decimal("1.50"),
        housing_area=Decimal("90.00"),
        housing_grade="B",
        road_distance_km=Decimal("0.50"),
        road_surface="hardened",
    )
    members = [
        make_member("张大山", "head", 54, labour="ordinary", education="junior"),
        make_member("李秀兰", "spouse", 52, labour="ordinary", education="primary"),
        make_member("张小明", "son", 11, labour="none", schooling="primary", education="primary"),
    ]
    incomes = [
        Income(year=2020, size=3, wage=Decimal("9000"), business=Decimal("3000")),
        Income(year=2023, size=3, wage=Decimal("12000"), business=Decimal("3000")),
    ]
    return Bundle(
        household=household,
        members=members,
        incomes=incomes,
        today=TODAY,
        poverty_line=lambda year: LINES.get(year, Decimal("4000")),
        monitoring_line=lambda year: Decimal("6000"),
        param_lookup=lambda key: params.definition(key).default,
    )


Mutation = Callable[[Bundle], Any]


def _set(obj: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


def hh(**values: Any) -> Mutation:
    return lambda b: _set(b.household, values)


def mem(index: int, **values: Any) -> Mutation:
    def apply(b: Bundle) -> None:
        for k, v in values.items():
            if k == "age":
                b.members[index].birth_date = born(v)
            else:
                setattr(b.members[index], k, v)

    return apply


def inc(index: int, **values: Any) -> Mutation:
    return lambda b: _set(b.incomes[index], values)


def add(member: Member, size: bool = True) -> Mutation:
    def apply(b: Bundle) -> None:
        b.members.append(member)
        if size:
            b.household.declared_size += 1
            for i in b.incomes:
                i.size += 1

    return apply


def both(*mutations: Mutation) -> Mutation:
    return lambda b: [m(b) for m in mutations]


EXITED = hh(status="exited", exit_year=2020)

# code: (mutation that fires the rule, near miss that does not)
CASES: dict[str, tuple[Mutation, Mutation]] = {
    "H001": (mem(1, relation="head"), mem(1, relation="spouse")),
    "H002": (hh(declared_size=4), hh(declared_size=3)),
    "H003": (hh(status="exited", exit_year=2013), hh(status="exited", exit_year=2014)),
    "H004": (hh(status="exited", exit_year=None), EXITED),
    "H005": (hh(exit_year=2019), hh(status="returned", exit_year=2019)),
    "H006": (hh(identified_year=2012), hh(identified_year=2024)),
    "H007": (hh(helper_name=""), hh(helper_name="", status="removed")),
    "H008": (hh(attribute="dibao"), both(hh(attribute="dibao"), mem(1, is_dibao=True))),
    "H009": (mem(1, is_dibao=True), both(hh(attribute="dibao"), mem(1, is_dibao=True))),
    "H010": (hh(attribute="tekun"), both(hh(attribute="tekun"), mem(0, is_tekun=True))),
    "H011": (mem(0, is_tekun=True), both(hh(attribute="tekun"), mem(0, is_tekun=True))),
    "H012": (
        hh(attribute="tekun"),
        both(hh(attribute="tekun"), mem(0, labour="weak"), mem(1, labour="lost")),
    ),
    "H013": (hh(phone="1381234567"), hh(phone="0825-6621234")),
    "H014": (hh(bank_account="62170000x"), hh(bank_account="6217 0000 1234")),
    "H015": (
        both(mem(0, age=15, labour="none"), mem(1, age=15), mem(2, age=1, schooling="preschool")),
        mem(0, age=16),
    ),
    "H016": (
        add(make_member("张小明", "son", 11, schooling="primary", labour="none")),
        add(make_member("张小红", "daughter", 11, schooling="primary", labour="none")),
    ),
    "M001": (mem(2, age=54, schooling="not_in_school"), mem(2, age=53, schooling="not_in_school")),
    "M002": (mem(2, age=40, schooling="not_in_school"), mem(2, age=39, schooling="not_in_school")),
    "M003": (add(make_member("张老汉", "father", 68)), add(make_member("张老汉", "father", 69))),
    "M004": (
        add(make_member("张孙", "grandson", 25)),
        add(make_member("张孙", "grandson", 24)),
    ),
    "M005": (mem(1, age=19), mem(1, age=20)),
    "M006": (mem(2, schooling="dropout"), mem(2, schooling="dropout", age=16)),
    "M007": (mem(2, schooling="not_in_school"), mem(2, schooling="not_in_school", age=16)),
    "M008": (mem(2, schooling="dropout", age=16), mem(2, schooling="dropout", age=15)),
    "M009": (
        mem(2, schooling="preschool", age=8, education=""),
        mem(2, schooling="preschool", age=7, education=""),
    ),
    "M010": (
        mem(2, schooling="undergraduate", age=14, education="senior"),
        mem(2, schooling="primary", age=14),
    ),
    "M011": (
        mem(2, age=5, schooling="preschool", education="primary"),
        mem(2, age=5, schooling="preschool", education="preschool"),
    ),
    "M012": (mem(0, disability_grade=2), mem(0, disability_grade=2, health="disabled")),
    "M013": (mem(0, health="disabled"), mem(0, health="chronic")),
    "M014": (mem(2, labour="weak"), mem(2, labour="none")),
    "M015": (
        add(make_member("张老汉", "father", 76, labour="ordinary")),
        add(make_member("张老汉", "father", 76, labour="weak")),
    ),
    "M016": (
        mem(1, labour="lost", employment_months=3, employment_tier="county"),
        mem(1, labour="weak", employment_months=3, employment_tier="county"),
    ),
    "M017": (mem(0, employment_months=6), mem(0, employment_months=6, employment_tier="county")),
    "M018": (mem(0, employment_tier="county"), mem(0, employment_tier="")),
    "M019": (mem(1, insured_medical=False), mem(1, insured_critical=False)),
    "M020": (
        add(make_member("张未生", "son", 0, birth_date=dt.date(2024, 7, 1), labour="none")),
        add(make_member("张新生", "son", 0, birth_date=dt.date(2024, 5, 1), labour="none")),
    ),
    "M021": (
        add(make_member("张太公", "other", 111, labour="none")),
        add(make_member("张太公", "other", 110, labour="none")),
    ),
    "M022": (mem(1, ethnicity="火星族"), mem(1, ethnicity="彝族")),
    "M023": (
        add(make_member("张故", "father", 90, left_on=dt.date(2023, 1, 1)), size=False),
        add(
            make_member("张故", "father", 90, left_on=dt.date(2023, 1, 1), left_reason="death"),
            size=False,
        ),
    ),
    "M024": (
        add(make_member("张故", "father", 90, labour="none", left_reason="death")),
        add(make_member("张故", "father", 90, labour="none", left_reason="correction")),
    ),
    "M025": (
        add(
            make_member(
                "张迁",
                "other",
                30,
                joined_on=dt.date(2023, 2, 1),
                left_on=dt.date(2023, 1, 1),
                left_reason="move_out",
            ),
            size=False,
        ),
        add(
            make_member(
                "张迁",
                "other",
                30,
                joined_on=dt.date(2022, 2, 1),
                left_on=dt.date(2023, 1, 1),
                left_reason="move_out",
            ),
            size=False,
        ),
    ),
    "M026": (mem(0, is_dibao=True, is_tekun=True), mem(0, is_tekun=True)),
    "M027": (
        mem(0, employment_months=13, employment_tier="county"),
        mem(0, employment_months=12, employment_tier="county"),
    ),
    "M028": (
        mem(0, health="disabled", disability_grade=5),
        mem(0, health="disabled", disability_grade=4),
    ),
    "M029": (both(EXITED, mem(2, schooling="dropout")), mem(2, schooling="dropout")),
    "M030": (both(EXITED, mem(1, insured_medical=False)), mem(1, insured_medical=False)),
    "I001": (inc(0, wage=Decimal("-1")), inc(0, wage=Decimal("0"))),
    "I002": (inc(1, size=2), inc(0, size=2)),
    "I003": (inc(1, wage=Decimal("300001")), inc(1, wage=Decimal("297000"))),
    "I004": (inc(0, wage=Decimal("0"), business=Decimal("0")), inc(0, wage=Decimal("0"))),
    "I005": (
        inc(0, production_costs=Decimal("3000.01")),
        inc(0, production_costs=Decimal("3000")),
    ),
    "I006": (
        both(EXITED, inc(0, wage=Decimal("8999"))),
        both(EXITED, inc(1, wage=Decimal("1"))),
    ),
    "I007": (inc(1, year=2025), inc(1, year=2024)),
    "I008": (inc(1, wage=Decimal("15001")), both(EXITED, inc(1, wage=Decimal("15001")))),
    "I009": (inc(0, transfer_dibao=Decimal("600")), inc(0, transfer_pension=Decimal("600"))),
    "I010": (inc(0, size=0), inc(0, size=1)),
    "L001": (hh(forest_land=Decimal("-1")), hh(forest_land=Decimal("0"))),
    "L002": (hh(irrigated_land=Decimal("3.01")), hh(irrigated_land=Decimal("3.00"))),
    "L003": (hh(housing_area=Decimal("12")), hh(housing_area=Decimal("15"))),
    "L004": (hh(water_difficulty=True), hh(water_difficulty=True, water_safe=False)),
    "L005": (
        both(EXITED, hh(housing_grade="C")),
        both(EXITED, hh(housing_grade="D", housing_rebuilt=True)),
    ),
    "L006": (both(EXITED, hh(water_safe=False)), hh(water_safe=False)),
    "L007": (hh(housing_grade="D"), hh(housing_grade="C", housing_rebuilt=True)),
    "L008": (
        hh(is_relocated=True, road_distance_km=Decimal("5.01")),
        hh(is_relocated=True, road_distance_km=Decimal("5.00")),
    ),
    "L009": (both(EXITED, hh(domestic_power=False)), hh(domestic_power=False)),
    "L010": (hh(road_distance_km=Decimal("-0.1")), hh(road_distance_km=Decimal("0"))),
    "L011": (hh(housing_area=Decimal("-1")), hh(housing_area=None)),
}


def codes_of(bundle: Bundle) -> set[str]:
    return {i.code for i in validate_bundle(bundle)}


def test_base_bundle_is_clean() -> None:
    assert validate_bundle(base_bundle()) == []


def test_catalogue_is_complete_and_well_formed() -> None:
    rules = all_rules()
    assert len(rules) >= 40
    assert {r.code for r in rules} == set(CASES)
    for r in rules:
        assert r.code[0] in "HMIL" and len(r.code) == 4 and r.code[1:].isdigit()
        assert r.name and r.fields and isinstance(r.severity, Severity)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires(code: str) -> None:
    bundle = base_bundle()
    CASES[code][0](bundle)
    issues = [i for i in validate_bundle(bundle) if i.code == code]
    assert issues, f"{code} did not fire"
    assert all(i.message for i in issues)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_near_miss_does_not_fire(code: str) -> None:
    bundle = base_bundle()
    CASES[code][1](bundle)
    assert code not in codes_of(bundle)


def test_member_rules_name_the_member_and_point_at_it() -> None:
    bundle = base_bundle()
    mem(2, schooling="dropout")(bundle)
    (issue,) = [i for i in validate_bundle(bundle) if i.code == "M006"]
    assert issue.message == "成员 张小明（11 岁）处于义务教育阶段，在校生状况为辍学"
    assert issue.member_index == 2 and issue.severity is Severity.WARNING


def test_compulsory_age_follows_the_parameter() -> None:
    bundle = base_bundle()
    mem(2, schooling="dropout", age=16)(bundle)
    defaults = bundle.param_lookup
    assert defaults is not None
    bundle.param_lookup = lambda key: 16 if key.endswith("_to") else defaults(key)
    assert "M006" in codes_of(bundle) and "M008" not in codes_of(bundle)


def test_exit_income_message_names_values() -> None:
    bundle = base_bundle()
    both(EXITED, inc(0, wage=Decimal("8999")))(bundle)
    (issue,) = [i for i in validate_bundle(bundle) if i.code == "I006"]
    assert "3,999.67 元" in issue.message and "4,000.00 元" in issue.message


def test_left_members_are_not_counted() -> None:
    bundle = base_bundle()
    add(
        make_member(
            "张故",
            "father",
            90,
            left_on=dt.date(2023, 1, 1),
            left_reason="death",
            labour="ordinary",
        ),
        size=False,
    )(bundle)
    # A departed member is outside size, labour and insurance checks.
    assert validate_bundle(bundle) == []
