"""Issue 12, point 1: masks that cannot be undone.

The attack of the issue: a role without personal-data access took the export's masked ID
(first 6 + last 4) and the birth date beside it and rebuilt the full number. These tests run
that attack on a registry of 210 generated members — against the export of a viewer and of an
industry department, and against the database's stored columns alone — and prove that no
member's ID is determined (a large number of candidates remains). A control run of the same
attack on the pre-fix display recovers every ID, so the attack itself is real."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fupin.core import crypto, idnumber
from fupin.core.masking import mask_id_number
from fupin.registry import identity, privacy
from fupin.registry.models import Household, Member
from fupin.testing import client_for, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

HOUSEHOLDS = 70  # three members each: 210 people


@pytest.fixture
def generated(village) -> list[Member]:
    """210 members with random birth dates (1940–2020) and random sequence numbers."""
    rng = random.Random(20261206)
    households = Household.objects.bulk_create(
        Household(
            village=village,
            region_code=village.code,
            county_code=village.code[:6],
            household_no=f"{village.code}{n:04d}",
            head_name=f"户主{n}",
            attribute="general",
            identified_year=2014,
            main_cause="illness",
            declared_size=3,
        )
        for n in range(HOUSEHOLDS)
    )
    members, used = [], set()
    for n, household in enumerate(households):
        for k, relation in enumerate(("head", "spouse", "son")):
            while True:
                birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(80 * 365))
                number = idnumber.make(village.code[:6], birth, rng.randrange(1000))
                if number not in used:
                    used.add(number)
                    break
            stored = identity.store(number)
            members.append(
                Member(
                    household=household,
                    county_code=household.county_code,
                    name=f"成员{n}-{k}",
                    id_cipher=stored.cipher,
                    id_hash=stored.hash,
                    id_masked=stored.masked,
                    sex=stored.info.sex,
                    birth_date=stored.info.birth_date,
                    relation=relation,
                    health="disabled" if k == 2 else "healthy",
                    disability_grade=2 if k == 2 else None,
                )
            )
    return Member.objects.bulk_create(members)


# --- the attack -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What an attacker holds about one person."""

    masked: str  # 18 characters, '*' where hidden
    sex: str
    birth_date: dt.date | None = None
    age: int | None = None


def _dates(seen: Seen, today: dt.date) -> list[dt.date]:
    if seen.birth_date is not None:
        return [seen.birth_date]
    assert seen.age is not None
    day, last = dt.date(today.year - seen.age - 1, 1, 1), dt.date(today.year - seen.age, 12, 31)
    out = []
    while day <= last:
        if privacy.age_on(day, today) == seen.age:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def candidates(seen: Seen, today: dt.date) -> int:
    """How many valid ID numbers agree with everything the attacker sees: every birth date
    the display allows × every sequence number agreeing with the visible characters and the
    sex, each checked against the visible check character (when hidden, each (date,
    sequence) pair has exactly one valid check character, so it is one candidate)."""
    m = seen.masked
    area = m[:6]
    assert "*" not in area
    dates = [
        d
        for d in _dates(seen, today)
        if all(c in ("*", x) for c, x in zip(m[6:14], f"{d:%Y%m%d}", strict=True))
    ]
    parity = 1 if seen.sex == "男" else 0
    sequences = [
        s
        for s in range(1000)
        if s % 2 == parity and all(c in ("*", x) for c, x in zip(m[14:17], f"{s:03d}", strict=True))
    ]
    if m[17] == "*":
        return len(dates) * len(sequences)
    return sum(
        1
        for d in dates
        for s in sequences
        if idnumber.check_char(f"{area}{d:%Y%m%d}{s:03d}") == m[17].upper()
    )


def _seen_rows(content: bytes) -> list[tuple[str, Seen]]:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[-1]["户编号"].startswith("#导出完毕")
    rows = rows[:-1]  # the export's trailer line
    out = []
    for row in rows:
        birth = row.get("出生日期")
        age = row.get("年龄（周岁）")
        out.append(
            (
                row["姓名"],
                Seen(
                    masked=row["身份证号"],
                    sex=row["性别"],
                    birth_date=dt.date.fromisoformat(birth) if birth else None,
                    age=int(age) if age else None,
                ),
            )
        )
    return out


def _full_ids(members: Iterable[Member]) -> dict[str, str]:
    return {m.name: crypto.decrypt(m.id_cipher) for m in members}


def _assert_not_rebuilt(seen_rows: list[tuple[str, Seen]], full: dict[str, str], least: int):
    today = timezone.localdate()
    counts = []
    for name, seen in seen_rows:
        true = full[name]
        assert true not in seen.masked
        info = idnumber.parse(true)
        # The attacker's model is sound: the true number is among the candidates.
        assert seen.masked[:6] == true[:6] and seen.sex == info.sex
        assert info.birth_date in _dates(seen, today)
        counts.append(candidates(seen, today))
    assert len(counts) == len(full)
    assert min(counts) >= least, f"an ID keeps only {min(counts)} candidates"


def _export(user) -> bytes:
    response: Any = client_for(user).get(reverse("registry:export"), {"format": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["viewer", "industry"])
def test_masked_export_of_a_role_without_personal_view_yields_no_full_id(role, county, generated):
    """The acceptance test of issue 12: no member's ID is uniquely determined by the export
    of a role without PERSONAL_DATA_VIEW — each keeps over 100,000 candidates."""
    seen = _seen_rows(_export(make_user(role, (role, county.code))))
    assert seen and all(s.birth_date is None and s.age is not None for _, s in seen)
    _assert_not_rebuilt(seen, _full_ids(generated), least=100_000)


def test_the_attack_rebuilds_every_id_from_the_pre_fix_display(generated):
    """Control: the same attack on what the export showed before (first 6 + last 4 beside
    the birth date) leaves exactly one candidate for every member."""
    today = timezone.localdate()
    for m in generated:
        full = crypto.decrypt(m.id_cipher)
        old = Seen(mask_id_number(full, keep_head=6, keep_tail=4), m.sex, birth_date=m.birth_date)
        assert candidates(old, today) == 1


def test_stored_columns_alone_leave_at_least_45_candidates_per_person(generated):
    """Someone holding the database's id_masked + birth_date + sex columns, without the key."""
    rows = Member.objects.filter(pk__in=[m.pk for m in generated]).values_list(
        "name", "id_masked", "sex", "birth_date"
    )
    seen = [(name, Seen(masked, sex, birth_date=born)) for name, masked, sex, born in rows]
    assert all(s.masked.endswith("*" * 12) for _, s in seen)
    _assert_not_rebuilt(seen, _full_ids(generated), least=45)


def test_health_details_are_left_out_of_the_export_of_an_industry_department(county, generated):
    content = _export(make_user("industry", ("industry", county.code))).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(content)))
    assert "健康状况" not in header and "残疾等级" not in header
    assert "残疾" not in content
