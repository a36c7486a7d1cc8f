"""Benchmark: dashboards on rollups (core.stats) against the naive GROUP BY (issue 13).

A county registry of N persons (default 1,000,000) of 射洪市 is built as in the sweep bench
(the demo generator's 50,000 persons copied in SQL; reused by later runs of the same size),
then the rollups are rebuilt from raw rows (the copy runs with triggers off) and two years are
frozen. In one run on the same server:

  1. reads, as a province (51), a county (510981) and a township user: the 年度数据 page and
     the home page through the Django test client (p50/p95 server time of `--repeat` runs),
     each against (a) the naive SQL of the same figures on raw rows — `SELECT DISTINCT year`
     and the GROUP BYs the 年度数据 page ran before, households and persons by status for
     home — and (b) a bare `SELECT 1` round trip (the floor);
  2. maintenance: a 10,000-household import (into 船山区, through `import_file`, without the
     follow-up sweep that `households_imported` starts) and 2,000
     household status changes (`household_set_status`, and the same as 2,000 bare UPDATE
     statements), each with the rollup triggers disabled and enabled (overhead target ≤ 10%).

Run: .venv/bin/python bench/stats_rollups.py [--persons 1000000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, measure, peak_rss_mb, print_table, setup_django

COUNTY = "510981"
IMPORT_COUNTY = "510903"
YEARS = [2019, 2020]
OVERHEAD_TARGET = 0.10

NAIVE_YEAR = [
    "SELECT DISTINCT year FROM registry_householdsnapshot WHERE region_code LIKE %(p)s"
    " ORDER BY year DESC",
    "SELECT count(*), sum(size), min(taken_at), max(taken_at),"
    " count(*) FILTER (WHERE exit_year = %(y)s), count(*) FILTER (WHERE per_capita IS NULL),"
    " count(*) FILTER (WHERE per_capita < 4000) FROM registry_householdsnapshot"
    " WHERE year = %(y)s AND region_code LIKE %(p)s",
    *(
        f"SELECT {col}, count(*), sum(size) FROM registry_householdsnapshot"
        f" WHERE year = %(y)s AND region_code LIKE %(p)s GROUP BY {col}"
        for col in ("status", "attribute", "main_cause")
    ),
    "SELECT left(region_code, %(n)s), count(*), sum(size),"
    " count(*) FILTER (WHERE status IN ('poor', 'returned')) FROM registry_householdsnapshot"
    " WHERE year = %(y)s AND region_code LIKE %(p)s GROUP BY 1",
]
NAIVE_HOME = [
    "SELECT h.status, count(DISTINCT h.id), count(m.id) FROM registry_household h"
    " LEFT JOIN registry_member m ON m.household_id = h.id AND m.left_on IS NULL"
    " WHERE h.region_code LIKE %(p)s GROUP BY h.status",
    "SELECT left(h.region_code, %(n)s), count(m.id) FROM registry_household h"
    " JOIN registry_member m ON m.household_id = h.id AND m.left_on IS NULL"
    " WHERE h.region_code LIKE %(p)s AND h.status IN ('poor', 'returned') GROUP BY 1",
]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def run_sql(statements: list[str], values: dict[str, Any]) -> Callable[[], None]:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, values)
                cursor.fetchall()

    return run


def stats_triggers(enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'fupin\\_stats\\_%%'"
        )
        for name, table in cursor.fetchall():
            state = "ENABLE" if enabled else "DISABLE"
            cursor.execute(f'ALTER TABLE "{table}" {state} TRIGGER "{name}"')


def user_for(code: str) -> Any:
    from fupin.accounts.models import Grant, User

    user, _ = User.objects.get_or_create(username=f"bench_stats_{code}")
    Grant.objects.get_or_create(user=user, role_id="poverty_office", region_id=code)
    return user


def prepare(persons: int) -> tuple[int, int, dict[str, float]]:
    from django.db import connection
    from rules_sweep import build_registry

    from fupin.core import stats
    from fupin.registry.models import HouseholdSnapshot
    from fupin.registry.snapshots.services import snapshot_years

    households, members, generated = build_registry(persons, 50_000)
    timings = {"generated": generated}
    if generated or not HouseholdSnapshot.objects.filter(year=YEARS[-1]).exists():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE registry_householdsnapshot")
        timings["rebuild"], _ = measure(lambda: stats.rebuild())
        timings["freeze"], _ = measure(lambda: snapshot_years(years=YEARS, region_code=COUNTY))
        stats.compact()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_rollup, registry_householdsnapshot")
    return households, members, timings


def reads(repeat: int) -> list[list[str]]:
    from django.db import connection
    from django.test import Client

    from fupin.regions.models import Region

    township = Region.objects.filter(parent_id=COUNTY).order_by("code").first()
    assert township is not None
    floor = timed(run_sql(["SELECT 1"], {}), repeat)
    rows = [["SELECT 1 (floor)", "—", f"{floor[0]:.1f}", f"{floor[1]:.1f}", "—", "—"]]
    for label, code in (("province", "51"), ("county", COUNTY), ("township", township.code)):
        client = Client()
        client.force_login(user_for(code))
        child = {2: 4, 6: 9, 9: 12}[len(code)]
        values = {"p": code + "%", "y": YEARS[-1], "n": child}
        for page, url, naive in (
            ("年度数据", f"/registry/snapshots/?region={code}&year={YEARS[-1]}", NAIVE_YEAR),
            ("首页", "/", NAIVE_HOME),
        ):
            assert client.get(url).status_code == 200, url
            served = timed(partial(client.get, url), repeat)
            raw = timed(run_sql(naive, values), max(3, repeat // 5))
            rows.append(
                [f"{page} as {label}", f"{len(naive)} queries", f"{served[0]:.1f}",
                 f"{served[1]:.1f}", f"{raw[0]:.1f}", f"{raw[1] / served[1]:.1f}×"]
            )  # fmt: skip
    connection.close()
    return rows


def import_file_for(households: int) -> Path:
    from registry_import import Cells, generate, villages_of

    from fupin.registry.io import layout

    path = ROOT / "var" / "bench" / f"stats_import_{households}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    villages = villages_of(IMPORT_COUNTY)  # loads the county's regions
    if path.exists():
        return path
    cells = Cells(typed=False)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(layout.headers(layout.FLAT_COLUMNS))
        for n, hh in enumerate(generate(households * 3, IMPORT_COUNTY, villages)):
            if n >= households:
                break
            head = cells.row(layout.HOUSEHOLD_COLUMNS, hh)
            for m in hh["members"]:
                writer.writerow(head + cells.row(layout.MEMBER_COLUMNS[1:], m))
    return path


def maintenance(import_households: int, changes: int, rounds: int) -> list[list[str]]:
    from django.db import connection
    from registry_import import bench_actor

    from fupin.accounts.models import Grant, User
    from fupin.accounts.selectors import load_actor
    from fupin.registry.io.services import import_file
    from fupin.registry.models import Household
    from fupin.registry.signals import households_imported
    from fupin.registry.status import household_set_status

    # The import's follow-up sweep (alerts over the county) is the sweep bench's to time, and
    # its alerts would pin the imported households; the import itself is timed here.
    households_imported.receivers = []
    households_imported.sender_receivers_cache.clear()
    path = import_file_for(import_households)  # loads 船山区 first
    user = User.objects.get(pk=bench_actor().user_id)
    Grant.objects.get_or_create(user=user, role_id="poverty_office", region_id=IMPORT_COUNTY)
    actor = load_actor(user)
    ids = list(
        Household.objects.filter(county_code=COUNTY, status="exited")
        .order_by("id").values_list("id", flat=True)[: changes]
    )  # fmt: skip

    def do_import() -> None:
        job = import_file(actor=actor, path=str(path), mode="insert", region_code=IMPORT_COUNTY)
        assert job.status == "succeeded", job.message
        job.file.delete(save=False)

    def clear_import() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM registry_member WHERE county_code = %s;"
                " DELETE FROM registry_income WHERE county_code = %s;"
                " DELETE FROM registry_doubt WHERE county_code = %s;"
                " DELETE FROM registry_household WHERE county_code = %s",
                [IMPORT_COUNTY] * 4,
            )

    def service_changes(status: str) -> Callable[[], None]:
        def run() -> None:
            for pk in ids:
                household_set_status(actor=actor, household_id=pk, status=status, exit_year=2020)

        return run

    def bare_changes(status: str) -> Callable[[], None]:
        def run() -> None:
            with connection.cursor() as cursor:
                for pk in ids:
                    cursor.execute(
                        "UPDATE registry_household SET status = %s WHERE id = %s", [status, pk]
                    )

        return run

    rows = []
    for label, work, undo in (
        (f"import {import_households:,} households", do_import, clear_import),
        (f"{len(ids):,} status changes (service)", service_changes("poor"), bare_changes("exited")),
        (
            f"{len(ids):,} status changes (bare UPDATE)",
            bare_changes("poor"),
            bare_changes("exited"),
        ),
    ):
        seconds: dict[bool, list[float]] = {}
        work()  # warm-up, not counted: the first run also opens the alerts the rules find
        undo()
        for enabled in (False, True) * rounds:  # interleaved: the machine is shared
            stats_triggers(enabled)
            took, _ = measure(work)
            seconds.setdefault(enabled, []).append(took)
            undo()  # in the same trigger state: the rollups stay exact
        stats_triggers(True)
        off, on = min(seconds[False]), min(seconds[True])
        overhead = on / off - 1
        rows.append([label, f"{off:.2f}", f"{on:.2f}", f"{overhead:+.1%}",
                     "met" if overhead <= OVERHEAD_TARGET else "MISSED"])  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--import-households", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reads-only", action="store_true")
    args = parser.parse_args()
    setup_django("fupin_bench_stats")
    from fupin.core import stats

    households, persons, built = prepare(args.persons)
    stats.compact()  # as the scheduler does every minute
    note = ", ".join(f"{k} {v:.0f} s" for k, v in built.items() if v) or "reused"
    print(f"registry: {households:,} households, {persons:,} persons ({note})")
    print_table(
        f"Dashboards on rollups — {persons:,} persons (p50/p95 ms, server time via the test client)",
        ["read", "naive", "p50 ms", "p95 ms", "naive p50 ms", "naive ÷ page (p95)"],
        reads(args.repeat),
    )
    if args.reads_only:
        return
    print_table(
        f"Rollup maintenance (best of {args.rounds} each after a warm-up; peak RSS {peak_rss_mb():.0f} MB)",
        ["work", "rollups off s", "rollups on s", "overhead", f"target ≤ {OVERHEAD_TARGET:.0%}"],
        maintenance(args.import_households, args.changes, args.rounds),
    )
    differences = stats.verify()
    print(f"stats_verify: {len(differences)} differences")


if __name__ == "__main__":
    main()
