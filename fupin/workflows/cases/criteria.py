"""Exit criteria, checked automatically and shown as a checklist (SPEC §3):

- household exit: 人均纯收入 above the year's line; 两不愁 (food, clothing — confirmed at
  the 民主评议 and recorded on the case); 三保障 (no compulsory-school-age dropout, every member
  medically insured, housing safe: grade A/B or rebuilt); safe drinking water;
- village exit: incidence (poor population / rural population) below the province's line
  plus the facility indicators of the village profile;
- county exit: incidence below the line, 错退率 and 漏评率 below 2% from the verification
  samples, 群众认可度 above 90% from the survey records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from fupin.core import params
from fupin.registry import codes
from fupin.registry import params as _registry_params  # noqa: F401 - declares the school ages read here
from fupin.registry.models import Household, Income, Member
from fupin.registry.selectors import age_on


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    passed: bool
    detail: str


def failed(criteria: list[Criterion]) -> list[Criterion]:
    return [c for c in criteria if not c.passed]


@dataclass(frozen=True)
class ExitLines:
    """The region's parameters the household checks read: the year's poverty line and the
    compulsory-school ages."""

    poverty_line: Decimal
    school_from: int
    school_to: int


def exit_lines(region_codes: Iterable[str], year: int) -> dict[str, ExitLines]:
    """The lines of many regions for one year: three queries whatever the number of regions."""
    codes = set(region_codes)
    line = params.get_regions("registry.poverty_line", region_codes=codes, year=year)
    age_from = params.get_regions("registry.compulsory_school_age_from", region_codes=codes)
    age_to = params.get_regions("registry.compulsory_school_age_to", region_codes=codes)
    return {c: ExitLines(Decimal(line[c]), int(age_from[c]), int(age_to[c])) for c in codes}


def household_exit_criteria(
    household: Household,
    year: int,
    case_data: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> list[Criterion]:
    """One household's checklist (the case page, the flow's guard)."""
    return evaluate_household_exit(
        household,
        year,
        case_data,
        lines=exit_lines([household.region_code], year)[household.region_code],
        income=Income.objects.filter(household=household, year=year).first(),
        members=list(
            Member.objects.filter(household=household, left_on__isnull=True).order_by("id")
        ),
        today=today,
    )


@dataclass(frozen=True)
class ExitCase:
    household: Household
    year: int
    data: dict[str, Any] | None


def household_exit_criteria_many(
    items: Sequence[ExitCase], today: dt.date | None = None
) -> list[list[Criterion]]:
    """The checklists of many cases set-based (the exit dashboard's page): the incomes and
    current members of every household in one query each, the lines once per year — a
    constant number of queries whatever the number of cases."""
    ids = {item.household.pk for item in items}
    incomes = {
        (i.household_id, i.year): i
        for i in Income.objects.filter(household_id__in=ids, year__in={item.year for item in items})
    }
    members: dict[int, list[Member]] = defaultdict(list)
    for m in Member.objects.filter(household_id__in=ids, left_on__isnull=True).order_by("id"):
        members[m.household_id].append(m)
    lines: dict[int, dict[str, ExitLines]] = {}
    for year in sorted({item.year for item in items}):
        codes = {item.household.region_code for item in items if item.year == year}
        lines[year] = exit_lines(codes, year)
    return [
        evaluate_household_exit(
            item.household,
            item.year,
            item.data,
            lines=lines[item.year][item.household.region_code],
            income=incomes.get((item.household.pk, item.year)),
            members=members.get(item.household.pk, []),
            today=today,
        )
        for item in items
    ]


def evaluate_household_exit(
    household: Household,
    year: int,
    case_data: dict[str, Any] | None,
    *,
    lines: ExitLines,
    income: Income | None,
    members: list[Member],
    today: dt.date | None = None,
) -> list[Criterion]:
    """The household checks on rows already read (the one place they are written)."""
    data = case_data or {}
    today = today or timezone.localdate()
    result: list[Criterion] = []
    line = lines.poverty_line
    if income is None:
        result.append(
            Criterion("income", "人均纯收入超过当年贫困标准", False, f"未录入 {year} 年收入")
        )
    else:
        result.append(
            Criterion(
                "income",
                "人均纯收入超过当年贫困标准",
                income.per_capita > line,
                f"{year} 年人均纯收入 {income.per_capita} 元，标准 {line} 元",
            )
        )
    food, clothing = bool(data.get("food_secure")), bool(data.get("clothing_secure"))
    result.append(
        Criterion("food_clothing", "不愁吃、不愁穿", food and clothing,
                  "民主评议已确认" if food and clothing else "民主评议未确认不愁吃、不愁穿")
    )  # fmt: skip
    age_from, age_to = lines.school_from, lines.school_to
    dropouts = [
        m.name
        for m in members
        if m.schooling == codes.Schooling.DROPOUT and age_from <= age_on(m, today) <= age_to
    ]
    result.append(
        Criterion("education", "义务教育有保障（无适龄辍学）", not dropouts,
                  f"适龄辍学：{'、'.join(dropouts)}" if dropouts else "无义务教育阶段辍学")
    )  # fmt: skip
    uninsured = [m.name for m in members if not m.insured_medical]
    result.append(
        Criterion("medical", "基本医疗有保障（全员参加医保）", not uninsured,
                  f"未参加基本医疗保险：{'、'.join(uninsured)}" if uninsured else "全员参保")
    )  # fmt: skip
    safe_housing = (
        household.housing_grade in (codes.HousingGrade.A, codes.HousingGrade.B)
        or household.housing_rebuilt
    )
    grade = household.get_housing_grade_display() or "未鉴定"
    result.append(
        Criterion("housing", "住房安全有保障（A/B级或已改造）", safe_housing,
                  f"住房等级：{grade}{'，已改造' if household.housing_rebuilt else ''}")
    )  # fmt: skip
    water_ok = household.water_safe and not household.water_difficulty
    result.append(
        Criterion("water", "饮水安全有保障", water_ok,
                  "饮水安全" if water_ok else "饮水不安全或饮水困难")
    )  # fmt: skip
    return result


def percent(part: int | Decimal, whole: int | Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _members_under(region_code: str) -> QuerySet[Member]:
    """Current members of poor households under a region; within a county the members' own
    `county_code` (indexed) narrows the scan to the county before the join."""
    qs = Member.objects.filter(
        household__region_code__startswith=region_code,
        household__status__in=codes.POOR_STATUSES,
        left_on__isnull=True,
    )
    if len(region_code) >= 6:
        qs = qs.filter(county_code=region_code[:6])
    return qs


def poor_population(region_code: str) -> int:
    """Current members of households counted poor (未脱贫, 返贫) under a region."""
    return _members_under(region_code).count()


@dataclass(frozen=True)
class VillageIncidence:
    code: str
    name: str
    poor: int
    rural: int | None
    rate: Decimal | None
    threshold: Decimal
    is_poor_village: bool
    exit_year: int | None
    facilities: dict[str, bool]

    @property
    def below(self) -> bool:
        return self.rate is not None and self.rate < self.threshold

    @property
    def facilities_ok(self) -> bool:
        return all(self.facilities.values())


FACILITIES = {
    "hardened_road": "通硬化路",
    "power_supply": "通动力电",
    "broadband": "通宽带",
    "clinic": "有标准化卫生室",
    "cultural_room": "有文化室",
}


def village_incidences(parent_code: str) -> list[VillageIncidence]:
    """Incidence of every village under a region, in two grouped queries."""
    from fupin.core.models import Parameter
    from fupin.regions.models import Level, Region

    poor = dict(
        _members_under(parent_code)
        .values_list("household__region_code")
        .annotate(n=Count("id"))
        .values_list("household__region_code", "n")
    )
    villages = (
        Region.objects.filter(code__startswith=parent_code, level=Level.VILLAGE)
        .select_related("profile")
        .order_by("code")
    )
    key = "village.incidence_threshold"
    threshold = Decimal(params.get(key, region_code=parent_code or "0"))
    # An override below `parent_code` (a township or one village) makes the line differ by
    # village: resolve each village then, so the table agrees with village_exit_criteria.
    per_village = (
        Parameter.objects.filter(key=key, region_code__startswith=parent_code, year__isnull=True)
        .exclude(region_code__in=[parent_code[:n] for n in range(len(parent_code) + 1)])
        .exists()
    )
    result = []
    for village in villages:
        profile = getattr(village, "profile", None)
        rural = profile.rural_population if profile else None
        count = poor.get(village.code, 0)
        result.append(
            VillageIncidence(
                code=village.code,
                name=village.name,
                poor=count,
                rural=rural,
                rate=percent(count, rural),
                threshold=(
                    Decimal(params.get(key, region_code=village.code)) if per_village else threshold
                ),
                is_poor_village=bool(profile and profile.is_poor_village),
                exit_year=profile.exit_year if profile else None,
                facilities={k: bool(profile and getattr(profile, k)) for k in FACILITIES},
            )
        )
    return result


def village_exit_criteria(village_code: str) -> list[Criterion]:
    from fupin.regions.models import VillageProfile

    profile = VillageProfile.objects.filter(region_id=village_code).first()
    threshold = Decimal(params.get("village.incidence_threshold", region_code=village_code))
    poor = poor_population(village_code)
    rural = profile.rural_population if profile else None
    rate = percent(poor, rural)
    result = [
        Criterion(
            "incidence",
            f"贫困发生率低于 {threshold}%",
            rate is not None and rate < threshold,
            f"贫困人口 {poor} 人 / 农业人口 {rural} 人 = {rate}%"
            if rate is not None
            else "村情信息未填写农业人口，无法计算贫困发生率",
        )
    ]
    for key, label in FACILITIES.items():
        ok = bool(profile and getattr(profile, key))
        result.append(Criterion(key, label, ok, "达标" if ok else "未达标"))
    return result


def county_rural_population(county_code: str) -> int:
    from fupin.regions.models import VillageProfile

    total = VillageProfile.objects.filter(region__code__startswith=county_code).aggregate(
        n=Sum("rural_population")
    )["n"]
    return int(total or 0)


@dataclass(frozen=True)
class CountyRates:
    poor: int
    rural: int
    incidence: Decimal | None
    exited_checked: int
    wrong_exits: int
    wrong_exit_rate: Decimal | None
    non_poor_checked: int
    missed: int
    missed_rate: Decimal | None
    surveyed: int
    satisfied: int
    satisfaction: Decimal | None


def county_rates(county_code: str) -> CountyRates:
    from fupin.workflows.samples.models import Sample, SampleItem, Survey

    poor = poor_population(county_code)
    rural = county_rural_population(county_code)
    items = SampleItem.objects.filter(sample__county_code=county_code).exclude(finding="")
    exited = items.filter(sample__purpose=Sample.Purpose.EXITED).aggregate(
        n=Count("id"), bad=Count("id", filter=Q(finding=SampleItem.Finding.WRONG_EXIT))
    )
    non_poor = items.filter(sample__purpose=Sample.Purpose.NON_POOR).aggregate(
        n=Count("id"), bad=Count("id", filter=Q(finding=SampleItem.Finding.MISSED))
    )
    survey = Survey.objects.filter(county_code=county_code).aggregate(
        s=Sum("surveyed"), ok=Sum("satisfied")
    )
    return CountyRates(
        poor=poor,
        rural=rural,
        incidence=percent(poor, rural),
        exited_checked=exited["n"],
        wrong_exits=exited["bad"],
        wrong_exit_rate=percent(exited["bad"], exited["n"]),
        non_poor_checked=non_poor["n"],
        missed=non_poor["bad"],
        missed_rate=percent(non_poor["bad"], non_poor["n"]),
        surveyed=int(survey["s"] or 0),
        satisfied=int(survey["ok"] or 0),
        satisfaction=percent(int(survey["ok"] or 0), int(survey["s"] or 0)),
    )


def county_exit_criteria(county_code: str, rates: CountyRates | None = None) -> list[Criterion]:
    """The county checklist; a page that shows the rates too passes them (computed once)."""
    rates = rates or county_rates(county_code)
    line = Decimal(params.get("county.incidence_threshold", region_code=county_code))
    max_error = Decimal(params.get("county.max_error_rate", region_code=county_code))
    min_ok = Decimal(params.get("county.min_satisfaction", region_code=county_code))

    def below(value: Decimal | None, limit: Decimal) -> bool:
        return value is not None and value < limit

    return [
        Criterion("incidence", f"贫困发生率低于 {line}%", below(rates.incidence, line),
                  f"贫困人口 {rates.poor} / 农业人口 {rates.rural} = {rates.incidence}%"),
        Criterion("wrong_exit", f"错退率低于 {max_error}%", below(rates.wrong_exit_rate, max_error),
                  f"抽查已脱贫户 {rates.exited_checked} 户，错退 {rates.wrong_exits} 户"
                  + (f"，错退率 {rates.wrong_exit_rate}%" if rates.exited_checked else "（尚无抽查结果）")),
        Criterion("missed", f"漏评率低于 {max_error}%", below(rates.missed_rate, max_error),
                  f"抽查一般农户 {rates.non_poor_checked} 户，漏评 {rates.missed} 户"
                  + (f"，漏评率 {rates.missed_rate}%" if rates.non_poor_checked else "（尚无抽查结果）")),
        Criterion("satisfaction", f"群众认可度高于 {min_ok}%",
                  rates.satisfaction is not None and rates.satisfaction > min_ok,
                  f"调查 {rates.surveyed} 人，认可 {rates.satisfied} 人"
                  + (f"，认可度 {rates.satisfaction}%" if rates.surveyed else "（尚无调查记录）")),
    ]  # fmt: skip
