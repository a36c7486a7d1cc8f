"""The demo registry of 射洪市: ~18,000 poor households with ~55,000 members and their
incomes 2014–2025, shaped like a real poor county, then frozen for the years in SNAPSHOT_YEARS.

Deterministic (`random.Random(seed)`; only the ciphertexts of ID numbers differ between two
loads, their random nonces being the point of AES-GCM) and idempotent (nothing happens when the
county already has households). Rows are written with COPY in one transaction under one audit
batch, so the audit trail holds one summary row per COPY statement instead of 280,000 rows.

Shape: most households live in the poor villages the demo marked (VillageProfile), fewer in
the other rural villages; attribute 一般 ~75% / 低保 ~20% / 特困 ~5%; causes 因病 ~40%, 因残
~15%, …; identified mostly 2014; exits 2014–2020, mostly 2016–2019, with incomes above the
poverty line of the exit year (and the monitoring line from 2021) ever after. A handful of
deliberate anomalies (dropouts, uninsured members, a dangerous house) give the 疑点 pages
something to show.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.audit.services import batch_finish, batch_start, bulk_audit
from fupin.core import idnumber
from fupin.core.access import Actor
from fupin.regions.models import Level, Region, VillageProfile
from fupin.registry import codes, identity
from fupin.registry.models import Household
from fupin.registry.services import line_lookup

DEFAULT_HOUSEHOLDS = 18_000
FIRST_YEAR, LAST_YEAR = 2014, 2025
# Frozen at load: the campaign's start, its middle, its end and the latest year — enough to
# compare years on the 年度数据 page while keeping the first `make run` short; other years
# are frozen from that page (or `manage.py snapshot_year`).
SNAPSHOT_YEARS = (2016, 2018, 2020, LAST_YEAR)
POOR_VILLAGE_SHARE = 0.8  # of households living in the registered poor villages
HELPER_LINKS = 8  # households of the demo village linked to the demo_helper login

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林谢唐邓冯蒲蒋彭曾任袁许宋文谭廖邹熊"
MALE_GIVEN = "建国华明军平志强文杰伟刚勇涛磊洋德福兵海元成忠良永富贵林山松云龙俊浩宇轩"
FEMALE_GIVEN = "秀英丽芳敏静艳娟桂兰春梅红霞玉燕琼珍凤琴翠莲淑慧婷雪佳欣雨萱"
MINORITIES = ["回族", "藏族", "彝族", "羌族", "土家族"]

ATTRIBUTES = (("general", 75), ("dibao", 20), ("tekun", 5))
CAUSES = (
    ("illness", 40),
    ("disability", 15),
    ("no_labour", 12),
    ("no_skills", 10),
    ("schooling", 7),
    ("no_capital", 8),
    ("disaster", 3),
    ("poor_transport", 2),
    ("no_motivation", 2),
    ("other", 1),
)
EXIT_YEARS = {2014: 2, 2015: 5, 2016: 20, 2017: 22, 2018: 22, 2019: 20, 2020: 9}
TIERS = (("township", 20), ("county", 30), ("province", 25), ("out_of_province", 25))
ANOMALIES = {"dropout": 6, "uninsured": 8, "dangerous_house": 1}


@dataclass
class Person:
    relation: str
    male: bool
    birth: dt.date
    name: str = ""
    health: str = "healthy"
    disability_grade: int | None = None
    schooling: str = "not_in_school"
    left_on: dt.date | None = None
    insured: bool = True


@dataclass
class Family:
    people: list[Person] = field(default_factory=list)


@dataclass
class RegistryResult:
    households: int
    members: int
    incomes: int
    snapshots: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


_CUMULATIVE: dict[int, tuple[list[Any], list[int]]] = {}


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    table = _CUMULATIVE.get(id(pairs))
    if table is None or len(table[0]) != len(pairs):
        values, cum, total = [p[0] for p in pairs], [], 0
        for _, w in pairs:
            total += w
            cum.append(total)
        table = (values, cum)
        if isinstance(pairs, tuple):  # constants only: ids of temporaries are reused
            _CUMULATIVE[id(pairs)] = table
    return rng.choices(table[0], cum_weights=table[1])[0]


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class _Generator:
    """Builds the rows; every random draw comes from one seeded stream, in a fixed order."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.sequences: dict[tuple[dt.date, bool], int] = {}

    # --- people ------------------------------------------------------------------------------

    def birth(self, age_in_2024: int) -> dt.date:
        year = 2024 - max(0, age_in_2024)
        day = dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
        return min(day, self.today - dt.timedelta(days=30))

    def given(self, male: bool) -> str:
        pool = MALE_GIVEN if male else FEMALE_GIVEN
        return "".join(self.rng.sample(pool, k=self.rng.choice((1, 2, 2))))

    def id_number(self, person: Person) -> str:
        key = (person.birth, person.male)
        n = self.sequences.get(key, 0)
        self.sequences[key] = n + 1
        # Sequence 100–999: odd for men, even for women (GB 11643).
        return idnumber.make("510981", person.birth, 100 + 2 * n + (1 if person.male else 0))

    def family(self, attribute: str) -> Family:
        rng = self.rng
        f = Family()

        def add(relation: str, male: bool, age: int) -> Person:
            p = Person(relation, male, self.birth(age))
            f.people.append(p)
            return p

        if attribute == "tekun":
            kind = "alone"
        else:
            kind = _weighted(rng, (("elderly", 30), ("middle", 45), ("three", 15), ("young", 10)))
        if kind == "alone":
            add("head", rng.random() < 0.6, rng.randint(62, 90))
            if rng.random() < 0.12:
                add("sibling", rng.random() < 0.5, rng.randint(60, 85))
        elif kind == "elderly":
            head = add("head", rng.random() < 0.8, rng.randint(60, 85))
            if rng.random() < 0.7:
                add(
                    "spouse",
                    not head.male,
                    max(58, _age(head.birth, dt.date(2024, 6, 30)) + rng.randint(-5, 4)),
                )
        elif kind == "middle":
            head_age = rng.randint(38, 58)
            head = add("head", rng.random() < 0.88, head_age)
            if rng.random() < 0.9:
                add("spouse", not head.male, max(30, head_age + rng.randint(-5, 4)))
            for _ in range(_weighted(rng, ((0, 20), (1, 45), (2, 30), (3, 5)))):
                male = rng.random() < 0.52
                add(
                    "son" if male else "daughter",
                    male,
                    rng.randint(max(0, head_age - 38), head_age - 21),
                )
            if rng.random() < 0.15:
                male = rng.random() < 0.4
                add("father" if male else "mother", male, min(92, head_age + rng.randint(22, 32)))
        elif kind == "three":
            head_age = rng.randint(55, 75)
            head = add("head", rng.random() < 0.85, head_age)
            if rng.random() < 0.8:
                add("spouse", not head.male, max(52, head_age + rng.randint(-5, 4)))
            son_age = max(24, head_age - rng.randint(22, 32))
            add("son", True, son_age)
            if rng.random() < 0.85:
                add("daughter_in_law", False, max(22, son_age + rng.randint(-4, 3)))
            for _ in range(rng.choice((1, 1, 2))):
                male = rng.random() < 0.52
                add(
                    "grandson" if male else "granddaughter",
                    male,
                    rng.randint(0, min(18, son_age - 21)),
                )
        else:  # young
            head_age = rng.randint(26, 38)
            head = add("head", rng.random() < 0.9, head_age)
            add("spouse", not head.male, max(22, head_age + rng.randint(-4, 3)))
            for _ in range(rng.choice((0, 1, 1, 2))):
                male = rng.random() < 0.52
                add("son" if male else "daughter", male, rng.randint(0, max(0, head_age - 23)))
            if rng.random() < 0.3:
                male = rng.random() < 0.5
                add("father" if male else "mother", male, min(90, head_age + rng.randint(22, 30)))
        # Names: the head's surname for blood relatives, another for in-laws and spouses.
        surname = rng.choice(SURNAMES)
        for p in f.people:
            own = p.relation in {"spouse", "daughter_in_law", "son_in_law", "mother"}
            sn = rng.choice(SURNAMES) if own else surname
            p.name = sn + self.given(p.male)
        return f

    def schooling(self, p: Person) -> tuple[str, str]:
        """(schooling, education) for the person's age today."""
        rng, age = self.rng, _age(p.birth, self.today)
        if age < 3:
            return "not_in_school", "preschool"
        if age < 6:
            return "preschool", "preschool"
        if age < 12:
            return "primary", "primary"
        if age < 16:
            return "junior", "junior" if age >= 13 else "primary"
        if age < 18:
            if rng.random() < 0.88:
                s = _weighted(rng, (("senior", 60), ("secondary_vocational", 40)))
                return s, "junior"
            return "not_in_school", "junior"
        if age < 22 and rng.random() < 0.45:
            s = _weighted(rng, (("higher_vocational", 55), ("undergraduate", 45)))
            return s, "senior"
        born = p.birth.year
        if born < 1960:
            edu = _weighted(rng, (("illiterate", 35), ("primary", 45), ("junior", 20)))
        elif born < 1980:
            edu = _weighted(
                rng, (("primary", 35), ("junior", 50), ("senior", 10), ("vocational", 5))
            )
        else:
            edu = _weighted(
                rng, (("junior", 50), ("senior", 25), ("vocational", 15), ("college", 10))
            )
        return "not_in_school", edu


def _choose_cause(rng: random.Random, attribute: str, family: Family, gen: _Generator) -> str:
    cause = _weighted(rng, CAUSES)
    if attribute == "tekun" and cause not in {"illness", "disability", "no_labour"}:
        cause = _weighted(rng, (("no_labour", 50), ("illness", 30), ("disability", 20)))
    if cause == "schooling" and not any(6 <= _age(p.birth, gen.today) <= 24 for p in family.people):
        cause = "illness"
    return cause


def _apply_cause(rng: random.Random, cause: str, family: Family, today: dt.date) -> None:
    adults = [p for p in family.people if _age(p.birth, today) >= 18] or family.people
    if cause == "illness":
        sick = rng.choice(adults)
        sick.health = _weighted(rng, (("chronic", 60), ("serious", 40)))
    elif cause == "disability":
        who = rng.choice(family.people)
        who.health, who.disability_grade = "disabled", rng.randint(1, 4)
    for p in family.people:  # background morbidity
        if p.health == "healthy" and _age(p.birth, today) >= 60 and rng.random() < 0.15:
            p.health = "chronic"


def _labour(rng: random.Random, p: Person, age: int, schooling: str) -> str:
    if age < 16 or schooling not in ("not_in_school", "dropout"):
        return "none"
    if p.health == "serious" or (p.health == "disabled" and (p.disability_grade or 4) <= 2):
        return "lost"
    if p.health in ("chronic", "disabled"):
        return "weak"
    if age >= 65:
        return _weighted(rng, (("weak", 50), ("lost", 30), ("none", 20)))
    if age >= 60:
        return "weak"
    return _weighted(rng, (("ordinary", 85), ("skilled", 15)))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass
class _Rows:
    households: list[tuple[Any, ...]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    incomes: list[tuple[Any, ...]] = field(default_factory=list)


HOUSEHOLD_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "village_id",
    "region_code",
    "county_code",
    "household_no",
    "head_name",
    "phone",
    "bank_name",
    "bank_account",
    "attribute",
    "standard",
    "identified_year",
    "main_cause",
    "other_causes",
    "status",
    "exit_year",
    "declared_size",
    "is_relocated",
    "is_military",
    "helper_id",
    "helper_name",
    "arable_land",
    "irrigated_land",
    "forest_land",
    "grain_for_green_land",
    "orchard_land",
    "pasture_land",
    "water_area",
    "production_power",
    "domestic_power",
    "road_distance_km",
    "road_surface",
    "housing_area",
    "housing_grade",
    "housing_rebuilt",
    "water_difficulty",
    "water_safe",
    "fuel",
    "sanitary_toilet",
    "cooperative_member",
]
MEMBER_COLUMNS = [
    "created_at",
    "updated_at",
    "version",
    "household_id",
    "county_code",
    "name",
    "id_cipher",
    "id_hash",
    "id_masked",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "political_status",
    "education",
    "schooling",
    "health",
    "disability_grade",
    "labour",
    "employment_tier",
    "employment_months",
    "insured_medical",
    "insured_critical",
    "insured_pension",
    "insured_accident",
    "is_dibao",
    "is_tekun",
    "joined_on",
    "left_on",
    "left_reason",
]
INCOME_COLUMNS = [
    "created_at",
    "updated_at",
    "version",
    "household_id",
    "county_code",
    "year",
    "size",
    *codes.INCOME_FIELDS,
]


def _allocate(rng: random.Random, total: int, villages: list[str], share: float) -> list[int]:
    weights = [rng.uniform(0.6, 1.4) for _ in villages]
    target = total * share
    counts = [int(target * w / sum(weights)) for w in weights]
    return counts


def _villages(county_code: str) -> tuple[list[str], list[str]]:
    profiles = dict(
        VillageProfile.objects.filter(county_code=county_code).values_list(
            "region_id", "is_poor_village"
        )
    )
    rural = [
        code
        for code, name in Region.objects.filter(code__startswith=county_code, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "name")
        if name.endswith("村民委员会")
    ]
    poor = [c for c in rural if profiles.get(c)]
    return poor, [c for c in rural if not profiles.get(c)]


def build_rows(
    *,
    households: int,
    seed: int,
    county_code: str,
    ids: list[int],
    today: dt.date,
    helper: tuple[int, str, str] | None = None,
) -> tuple[_Rows, dict[str, int]]:
    """Generate every row (no database writes). `helper` = (user id, name, village code)."""
    rng = random.Random(seed)  # noqa: S311 — reproducible demo data, not secrets
    gen = _Generator(rng, today)
    poor_villages, other_villages = _villages(county_code)
    if not poor_villages:
        poor_villages, other_villages = other_villages[:48], other_villages[48:]
    share = POOR_VILLAGE_SHARE if other_villages else 1.0
    counts = _allocate(rng, households, poor_villages, share)
    counts += _allocate(rng, households, other_villages, 1 - share) if other_villages else []
    all_villages = poor_villages + other_villages
    counts[0] += households - sum(counts)  # rounding remainder
    poverty, monitoring = line_lookup(county_code)
    lines = {y: int(poverty(y) * 100) for y in range(FIRST_YEAR, LAST_YEAR + 1)}
    floors = {
        y: max(lines[y], int(monitoring(y) * 100) if y >= 2021 else 0)
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
    }
    # One timestamp for every row, as text: COPY parses it once per row, Python dumps nothing.
    now = timezone.now().isoformat()
    rows = _Rows()
    stats = {k: 0 for k in ANOMALIES}
    anomaly_odds = {"dropout": 0.001, "uninsured": 0.00015}
    helper_names = [rng.choice(SURNAMES) + gen.given(rng.random() < 0.6) for _ in range(400)]
    n = 0
    for village, count in zip(all_villages, counts, strict=True):
        village_helpers = rng.sample(helper_names, k=min(len(helper_names), count // 6 + 1))
        for k in range(count):
            rows.households.append(
                _household(gen, rows, stats, anomaly_odds, ids[n], village, k, now, lines,
                           floors, village_helpers, helper)
            )  # fmt: skip
            n += 1
    return rows, stats


def _household(
    gen: _Generator,
    rows: _Rows,
    stats: dict[str, int],
    odds: dict[str, float],
    hid: int,
    village: str,
    k: int,
    now: str,
    lines: dict[int, int],
    floors: dict[int, int],
    village_helpers: list[str],
    helper: tuple[int, str, str] | None,
) -> tuple[Any, ...]:
    rng, today = gen.rng, gen.today
    attribute = _weighted(rng, ATTRIBUTES)
    family = gen.family(attribute)
    cause = _choose_cause(rng, attribute, family, gen)
    _apply_cause(rng, cause, family, today)
    others = rng.sample(
        [c for c, _ in CAUSES if c != cause], k=_weighted(rng, ((0, 40), (1, 40), (2, 20)))
    )
    r = rng.random()
    status, exit_year = "exited", None
    if r < 0.004:
        status, identified = "returned", rng.choice((2017, 2018, 2019))
    else:
        identified = (
            2014 if r < 0.86 else (2015 if r < 0.91 else rng.choice((2016, 2017, 2018, 2019)))
        )
        if r > 0.992:
            status = "poor"
        else:
            years = [
                (y, w) for y, w in EXIT_YEARS.items() if y > identified or y == 2014 == identified
            ]
            exit_year = _weighted(rng, years or [(2020, 1)])
    # Elderly members who died after identification (never the head: the household keeps it).
    for p in family.people:
        age = _age(p.birth, today)
        if p.relation != "head" and age >= 75 and rng.random() < 0.1:
            year = rng.randint(max(identified + 1, 2016), 2024)
            p.left_on = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    current = [p for p in family.people if p.left_on is None]
    poor_now = status != "exited"
    # Deliberate anomalies, a handful in the whole county.
    dangerous = poor_now and stats["dangerous_house"] < ANOMALIES["dangerous_house"]
    if dangerous:
        stats["dangerous_house"] += 1
    # Members.
    county = village[:6]
    for p in family.people:
        stored = identity.store(gen.id_number(p))
        age = _age(p.birth, today)
        schooling, education = gen.schooling(p)
        if (
            7 <= age <= 15
            and p.left_on is None
            and stats["dropout"] < ANOMALIES["dropout"]
            and rng.random() < odds["dropout"]
        ):
            schooling = "dropout"
            stats["dropout"] += 1
        labour = _labour(rng, p, age, schooling)
        employed = labour in ("ordinary", "skilled") and 16 <= age <= 60 and rng.random() < 0.7
        insured = True
        if (
            p.left_on is None
            and stats["uninsured"] < ANOMALIES["uninsured"]
            and rng.random() < odds["uninsured"]
        ):
            insured = False
            stats["uninsured"] += 1
        political = "masses"
        if age >= 40 and rng.random() < 0.03:
            political = "cpc"
        elif 14 <= age <= 28 and rng.random() < 0.3:
            political = "cyl"
        joined = p.birth if p.birth.year > identified else None
        rows.members.append(
            (
                now, now, 1, hid, county, p.name, stored.cipher, stored.hash, stored.masked,
                stored.info.sex, p.birth, p.relation,
                "汉族" if rng.random() < 0.995 else rng.choice(MINORITIES),
                political, education, schooling, p.health, p.disability_grade, labour,
                _weighted(rng, TIERS) if employed else "", rng.randint(3, 12) if employed else 0,
                insured, insured, age >= 16 and schooling == "not_in_school" and insured,
                rng.random() < 0.3, attribute == "dibao", attribute == "tekun" and p.relation == "head",
                joined, p.left_on, "death" if p.left_on else "",
            )
        )  # fmt: skip
    # Incomes from the identification year: below the line while poor, above it after exit.
    pc_after = 0
    for year in range(identified, LAST_YEAR + 1):
        end = dt.date(year, 12, 31)
        size = sum(
            1 for p in family.people if p.birth <= end and (p.left_on is None or p.left_on > end)
        )
        if size == 0:
            continue
        if exit_year is not None and year >= exit_year:
            pc_after = max(
                int(pc_after * rng.uniform(1.04, 1.10)), int(floors[year] * rng.uniform(1.08, 1.35))
            )
            pc = pc_after
        else:
            pc = int(lines[year] * rng.uniform(0.55, 0.95))
        rows.incomes.append(
            _income(rng, now, hid, county, year, size, pc * size, attribute, family, end)
        )
    head = next(p for p in family.people if p.relation == "head")
    grade = rng.choice("CD") if dangerous else _weighted(rng, (("A", 55), ("B", 45)))
    rebuilt = not dangerous and rng.random() < 0.3
    linked = helper is not None and village == helper[2] and k < HELPER_LINKS
    helper_id, helper_name = (
        (helper[0], helper[1]) if linked and helper else (None, rng.choice(village_helpers))
    )
    land = round(rng.uniform(0.3, 4.5), 2)
    return (
        hid, now, now, 1, village, village, county, f"{village}{k + 1:04d}", head.name,
        f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", "射洪市农村信用合作联社",
        f"621{rng.randrange(10**15):016d}", attribute, "national", identified, cause,
        "{" + ",".join(others) + "}", status, exit_year, len(current),
        rng.random() < 0.04, rng.random() < 0.01, helper_id, helper_name,
        land, round(land * rng.uniform(0.2, 0.8), 2), round(rng.uniform(0, 5), 2),
        round(rng.uniform(0, 1.5), 2), round(rng.uniform(0, 1), 2), 0, 0, True, True,
        round(rng.uniform(0, 2.5), 2), _weighted(rng, (("hardened", 85), ("gravel", 12), ("dirt", 3))),
        round(rng.uniform(40, 160), 1), grade, rebuilt, False, True,
        _weighted(rng, (("electricity", 35), ("gas", 30), ("biogas", 10), ("firewood", 25))),
        poor_now is False or rng.random() < 0.6, rng.random() < 0.35,
    )  # fmt: skip


def _income(
    rng: random.Random,
    now: str,
    hid: int,
    county: str,
    year: int,
    size: int,
    net: int,
    attribute: str,
    family: Family,
    end: dt.date,
) -> tuple[Any, ...]:
    """Split a net household income (cents) into components that add up exactly."""
    elderly = sum(
        1
        for p in family.people
        if _age(p.birth, end) >= 60 and (p.left_on is None or p.left_on > end)
    )
    dibao = size * rng.randint(1500, 2800) * 100 if attribute == "dibao" else 0
    tekun = rng.randint(4000, 6500) * 100 if attribute == "tekun" else 0
    pension = elderly * (700 + 60 * (year - 2014)) * 100
    eco = rng.choice((0, 0, rng.randint(50, 400))) * 100
    planning = rng.choice((0,) * 9 + (960,)) * 100
    transfers = [dibao, tekun, pension, eco, planning]
    cap = int(net * 0.85)
    total = sum(transfers)
    if total > cap:  # scale down so earned income stays positive
        transfers = [t * cap // total for t in transfers]
    rest = net - sum(transfers)
    other = 0
    prop = int(rest * rng.uniform(0, 0.04))
    business_net = int((rest - prop) * rng.uniform(0.2, 0.6))
    costs = int(business_net * rng.uniform(0.2, 0.5))
    wage = rest - prop - business_net
    return (
        now, now, 1, hid, county, year, size, _money(wage),
        _money(business_net + costs), _money(prop), *(_money(t) for t in transfers),
        _money(other), _money(costs),
    )  # fmt: skip


def _copy(table: str, columns: Iterable[str], rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _helper_link() -> tuple[int, str, str] | None:
    user = User.objects.filter(username="demo_helper").first()
    if user is None:
        return None
    grant = user.grants.filter(region__level=Level.VILLAGE).first()
    return (user.pk, user.real_name, grant.region_id) if grant else None


def registry_loaded(county_code: str) -> bool:
    return Household.objects.filter(county_code=county_code).exists()


def load_registry(
    *,
    county_code: str = "510981",
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int = 20151129,
    years: Iterable[int] = SNAPSHOT_YEARS,
    today: dt.date | None = None,
) -> RegistryResult | None:
    """Load the demo registry unless the county already has households (then None)."""
    if households <= 0 or registry_loaded(county_code):
        return None
    from fupin.registry.snapshots.services import snapshot_years

    started = time.monotonic()
    timings: dict[str, float] = {}
    today = today or timezone.localdate()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('registry_household', 'id'))"
                " FROM generate_series(1, %s)",
                [households],
            )
            ids = [r[0] for r in cursor.fetchall()]
        rows, _ = build_rows(
            households=households,
            seed=seed,
            county_code=county_code,
            ids=ids,
            today=today,
            helper=_helper_link(),
        )
        timings["generate"] = time.monotonic() - started
        system = Actor(user_id=None, username="load_demo", grants=())
        batch = batch_start(
            actor=system, kind="demo.registry", description=f"演示建档立卡数据 {county_code}",
            reason="演示数据",
        )  # fmt: skip
        mark = time.monotonic()
        with bulk_audit(batch):
            for table, columns, data in (
                ("registry_household", HOUSEHOLD_COLUMNS, rows.households),
                ("registry_member", MEMBER_COLUMNS, rows.members),
                ("registry_income", INCOME_COLUMNS, rows.incomes),
            ):
                step = time.monotonic()
                _copy(table, columns, data)
                timings[table] = time.monotonic() - step
        batch_finish(batch, len(rows.households) + len(rows.members) + len(rows.incomes))
        with connection.cursor() as cursor:
            # Fresh statistics, or the planner takes the new tables for empty ones and the
            # snapshot's per-household member lookup degenerates into nested sequential scans.
            cursor.execute("ANALYZE registry_household, registry_member, registry_income")
        timings["copy"] = time.monotonic() - mark
        mark = time.monotonic()
        snapshots = snapshot_years(years=list(years), region_code=county_code)
        timings["snapshots"] = time.monotonic() - mark
    return RegistryResult(
        households=len(rows.households),
        members=len(rows.members),
        incomes=len(rows.incomes),
        snapshots=snapshots,
        seconds=time.monotonic() - started,
        timings=timings,
    )
