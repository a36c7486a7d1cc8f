"""Benchmark: the supervision rules over a county registry (SPEC §7, §12).

A registry of N persons (default 1,000,000) of 射洪市: the demo generator
(`fupin.demo.registry.load_registry`, COPY under one audit batch) makes a base of 50,000
persons, copied in SQL up to N (new household numbers and ID digests); reused by later runs of
the same size. Then a realistic share of subjects is made to violate the rules — school-age
dropouts, uninsured members, dangerous houses, poor households without a helper, exited
households below the line, error-level 疑点, cases stuck in a state, notices not published,
monitoring cases without measures — and, in one run on the same server:

  1. raw scan (the ceiling): for each rule, `SELECT count(*) FROM (<its SELECT>)` with the
     same parameters — the same predicates in plain SQL, writing nothing;
  2. the first sweep (`engine.sweep` over the county) on an empty alert table: every hit opens
     a case, a timeline row and an alert;
  3. a second sweep: every hit merges into its open alert (hit count, last seen);
  4. the on-change re-check of one household after an edit (`engine.recheck`), median of 50.

Run: .venv/bin/python bench/rules_sweep.py [--persons 1000000] [--rechecks 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, peak_rss_mb, print_table, setup_django

COUNTY = "510981"
PERSONS_PER_HOUSEHOLD = 3.06  # the demo generator's average family size
RECHECK_TARGET_MS = 50

# Each statement plants one kind of violation on a fixed share of the rows (by id), so the
# shares are the same on every run and the planted rows are spread over all villages.
PLANT_SQL = [
    # 5% poor and 1% returned households (the demo county is ~99% exited by now) …
    "UPDATE registry_household SET status = 'poor', exit_year = NULL WHERE id % 20 = 1",
    "UPDATE registry_household SET status = 'returned' WHERE id % 100 = 7",
    # … half of the poor without a helper (R105),
    "UPDATE registry_household SET helper_id = NULL, helper_name = '' WHERE id % 40 = 1",
    # 1% in a D-grade house not rebuilt (R104),
    "UPDATE registry_household SET housing_grade = 'D', housing_rebuilt = false"
    " WHERE id % 100 = 13",
    # 1 school-age child in 40 out of school (R102), 0.5% of members uninsured (R103),
    "UPDATE registry_member SET schooling = 'dropout' WHERE id %% 40 = 0"
    " AND birth_date BETWEEN %(today)s::date - interval '15 years'"
    " AND %(today)s::date - interval '7 years' AND left_on IS NULL",
    "UPDATE registry_member SET insured_medical = false WHERE id % 200 = 3",
    # 1% of households 3,000 yuan per person in their latest year (R101 when exited),
    "UPDATE registry_income i SET production_costs = production_costs + net_total - size * 3000"
    " WHERE household_id % 100 = 17 AND year = (SELECT max(j.year) FROM registry_income j"
    " WHERE j.household_id = i.household_id)",
    # 1% with an error-level 疑点 (R106) and 1% with a warning only,
    "DELETE FROM registry_doubt",
    "INSERT INTO registry_doubt (household_id, county_code, region_code, rule_code, severity,"
    " message, found_at) SELECT id, county_code, region_code, 'H09',"
    " CASE WHEN id % 100 = 23 THEN 'error' ELSE 'warning' END, '基准测试疑点', now()"
    " FROM registry_household WHERE id % 100 IN (23, 24)",
    # and cases: monitoring confirmed 20 days ago without measures (R203), identification
    # verified 40 days ago and never published (R201, R202), one reviewed 3 days ago (none).
    "TRUNCATE workflows_case CASCADE",
    """INSERT INTO workflows_case (created_at, updated_at, version, case_no, kind, state,
        subject_level, household_id, region_id, region_code, county_code, year, title, data,
        channel, override_reason, override_failures, is_open, state_since)
     SELECT now(), now(), 1, 'BM-' || k.kind || '-' || h.id, k.kind, k.state, 'household', h.id,
            h.region_code, h.region_code, h.county_code, 2026, k.title, '{}'::jsonb, '', '',
            '[]'::jsonb, true, now() - make_interval(days => k.days)
       FROM registry_household h
       JOIN (VALUES (29, 'monitoring', 'confirmed', 20, '监测对象'),
                    (31, 'identification', 'verified', 40, '识别申请'),
                    (37, 'identification', 'reviewed', 3, '识别申请'))
            AS k(mod, kind, state, days, title) ON h.id % 100 = k.mod""",
]


def _columns(model: Any) -> list[str]:
    """The stored, writable columns of a model (generated columns are computed by PostgreSQL)."""
    from django.db.models import GeneratedField

    return [
        f.column
        for f in model._meta.concrete_fields
        if not isinstance(f, GeneratedField) and f.column != "id"
    ]


def replicate(copies: int) -> None:
    """Copy the generated base registry `copies` times in SQL (new household numbers and
    ID-number digests, so every uniqueness rule still holds), all villages alike."""
    from django.db import connection, transaction

    from fupin.registry.models import Household, Income, Member

    renamed = {
        "household_no": "h.household_no || '-' || k",
        "household_id": "s.household_id + k * %(offset)s",
        "id_hash": "encode(sha256(convert_to(s.id_hash || '-' || k, 'UTF8')), 'hex')",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT max(id) FROM registry_household")
        row = cursor.fetchone()
        assert row is not None and row[0] is not None
        offset = int(row[0])
        series = "generate_series(1, %(copies)s) AS k"
        columns = _columns(Household)
        select = ", ".join(renamed.get(c, f"h.{c}") for c in columns)
        cursor.execute(
            f"INSERT INTO registry_household (id, {', '.join(columns)})"
            f" SELECT h.id + k * %(offset)s, {select} FROM registry_household h, {series}"
            " WHERE h.id <= %(offset)s",
            {"offset": offset, "copies": copies},
        )
        for model in (Member, Income):
            columns = _columns(model)
            select = ", ".join(renamed.get(c, f"s.{c}") for c in columns)
            table = model._meta.db_table
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select}"
                f" FROM {table} s, {series} WHERE s.household_id <= %(offset)s",
                {"offset": offset, "copies": copies},
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('registry_household', 'id'),"
            " (SELECT max(id) FROM registry_household))"
        )


def build_registry(persons: int, base: int) -> tuple[int, int, float]:
    """(households, persons, seconds spent building; 0 when reused). The demo generator makes
    `base` persons; they are copied in SQL up to `persons`."""
    from django.db import connection

    from fupin.demo.registry import load_registry
    from fupin.regions.loader import load_regions
    from fupin.registry.models import Household, Member

    load_regions([COUNTY])
    base_households = max(1, round(min(base, persons) / PERSONS_PER_HOUSEHOLD))
    copies = max(0, round(persons / (base_households * PERSONS_PER_HOUSEHOLD)) - 1)
    households = base_households * (1 + copies)
    started = time.perf_counter()
    if Household.objects.filter(county_code=COUNTY).count() != households:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE registry_household, workflows_case CASCADE")
        result = load_registry(county_code=COUNTY, households=base_households, years=())
        assert result is not None
        if copies:
            replicate(copies)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_household, registry_member, registry_income")
        seconds = time.perf_counter() - started
    else:
        seconds = 0.0
    return households, Member.objects.filter(county_code=COUNTY).count(), seconds


def plant(today: dt.date) -> None:
    """Plant the violations (no audit rows: this is the data under test, not a user's edit)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql in PLANT_SQL:
            cursor.execute(sql, {"today": today} if "%(today)s" in sql else None)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE registry_household, registry_member, registry_income, registry_doubt,"
            " workflows_case, supervision_alert"
        )


def rule_values(rule: Any, today: dt.date) -> dict[str, Any]:
    """The parameters `engine.run_rule` gives the rule's SELECT for a sweep of the county."""
    from django.conf import settings

    from fupin.supervision.engine import _jsonable

    return {
        "region": f"{COUNTY}%",
        "scope": None,
        "today": today,
        "tz": settings.TIME_ZONE,
        **{k: _jsonable(v) for k, v in rule.values(COUNTY, today).items()},
    }


def raw_scan(today: dt.date) -> dict[str, int]:
    from django.db import connection

    from fupin.core.rules import RULES

    counts = {}
    with connection.cursor() as cursor:
        for code, rule in RULES.items():
            cursor.execute(f"SELECT count(*) FROM ({rule.sql}) q", rule_values(rule, today))
            row = cursor.fetchone()
            assert row is not None
            counts[code] = int(row[0])
    return counts


def rechecks(count: int, today: dt.date) -> list[float]:
    """Edit a household (its house becomes dangerous or safe again), then re-check it."""
    from django.db import connection, transaction

    from fupin.registry.models import Household
    from fupin.supervision import engine

    ids = list(Household.objects.filter(county_code=COUNTY).values_list("id", "region_code"))
    chosen = random.Random(7).sample(ids, min(count, len(ids)))
    timings = []
    for pk, region_code in chosen:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_household SET housing_grade = CASE housing_grade WHEN 'D'"
                " THEN 'B' ELSE 'D' END, housing_rebuilt = false WHERE id = %s",
                [pk],
            )
            started = time.perf_counter()
            engine.recheck("household", pk, region_code, today=today)
            timings.append(1000 * (time.perf_counter() - started))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rechecks", type=int, default=50)
    parser.add_argument(
        "--base", type=int, default=50_000, help="persons made by the demo generator, then copied"
    )
    args = parser.parse_args()
    setup_django("fupin_bench_rules")
    from django.utils import timezone

    from fupin.supervision import engine
    from fupin.supervision.models import Alert

    today = timezone.localdate()
    households, persons, generated_s = build_registry(args.persons, args.base)
    plant_s, _ = measure(lambda: plant(today))
    note = f"generated in {generated_s:.0f} s" if generated_s else "reused"
    print(f"registry: {households:,} households, {persons:,} persons ({note});"
          f" violations planted in {plant_s:.1f} s")  # fmt: skip

    raw_s, counts = measure(lambda: raw_scan(today))
    total = sum(counts.values())
    print("hits per rule: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    assert not Alert.objects.exists()
    first_s, first = measure(lambda: engine.sweep(region_code=COUNTY, today=today))
    opened = sum(r.opened for r in first)
    assert opened == total, (opened, total)
    second_s, second = measure(lambda: engine.sweep(region_code=COUNTY, today=today))
    refreshed = sum(r.refreshed for r in second)
    assert refreshed == total and not any(r.opened or r.cleared for r in second)
    assert Alert.objects.filter(is_open=True).count() == total
    timings = rechecks(args.rechecks, today)
    median = statistics.median(timings)

    def row(step: str, hits: str, seconds: float) -> list[str]:
        return [step, hits, f"{seconds:.2f}", f"{seconds / raw_s:.2f}×"]

    print_table(
        f"Supervision rules — {persons:,} persons, {households:,} households, "
        f"{len(counts)} rules (peak RSS {peak_rss_mb():.0f} MB)",
        ["step", "rows/hits", "seconds", "vs raw scan (target ≤ 2×)"],
        [
            row("raw scan: count(*) of every rule's SELECT", f"{total:,}", raw_s),
            row("sweep 1: empty alert table (opens)", f"{opened:,} opened", first_s),
            row("sweep 2: merge (refreshes)", f"{refreshed:,} refreshed", second_s),
            [f"recheck one household after an edit (median of {len(timings)})",
             f"{median:.1f} ms (p90 {sorted(timings)[int(0.9 * (len(timings) - 1))]:.1f} ms)",
             f"target {RECHECK_TARGET_MS} ms",
             "met" if median <= RECHECK_TARGET_MS else "MISSED"],
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
