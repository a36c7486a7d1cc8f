"""Benchmark: the lists at a county's and a province's scale (issue 13, SPEC §12).

Builds a registry of N persons (default 1,000,000; two per household) over the villages of
射洪市 (one in ten households) and 船山区 (the rest: the "rest of the province" a county user
must not pay for), with one 疑点 per household and an open case and an alert for every fifth
household — SQL only (`tests/lists/generate.py`, the plan tests' generator), reused by later
runs of the same size. Then, as a province, a county and a township user, times the first
and a deep page (10,000 rows in) of every list and API list through the Django test client,
against (a) the naive query of the same page (`COUNT(*)` over the scope + `ORDER BY … OFFSET`,
what the lists did before) and (b) a bare `SELECT 1` round-trip (the floor).

Run: .venv/bin/python bench/read_lists.py [--persons 1000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, print_table, setup_django

COUNTY, OTHER = "510981", "510903"
DEEP = 10_000


def build(persons: int) -> float:
    from django.db import connection

    from fupin.regions.loader import load_regions
    from fupin.registry.models import Household
    from tests.lists.generate import generate

    load_regions([COUNTY, OTHER])
    households = persons // 2
    if (
        Household.objects.filter(household_no__startswith="S").count()
        + Household.objects.filter(household_no__startswith="C").count()
        == households
    ):
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_doubt, registry_member, registry_household, supervision_alert,"
            " workflows_case CASCADE"
        )

    def both() -> None:
        generate(households - households // 10, prefixes=[OTHER], tag="S")
        generate(households // 10, prefixes=[COUNTY], tag="C")

    seconds, _ = measure(both)
    return seconds


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, p(samples, 0.95)


def naive(table: str, region: str, order: str, deep: bool) -> Callable[[], Any]:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE region_code LIKE %s", [region + "%"]
            )
            cursor.fetchone()
            cursor.execute(
                f"SELECT * FROM {table} WHERE region_code LIKE %s ORDER BY {order}"
                " OFFSET %s LIMIT 50",
                [region + "%", DEEP if deep else 0],
            )
            cursor.fetchall()

    return run


def deep_cursor(qs: Any, spec: Any) -> str:
    """The cursor of the row DEEP rows in (found once with OFFSET, not timed)."""
    from fupin.core.api import keyset

    order = [f"{'-' if k.desc else ''}{k.field}" for k in spec]
    row = qs.order_by(*order).values_list(*[k.field for k in spec])[DEEP - 1 : DEEP]
    return keyset.encode_cursor(list(row[0])) if row else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    a = parser.parse_args()
    setup_django("fupin_bench_lists")
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from fupin.accounts.models import User
    from fupin.accounts.selectors import load_actor
    from fupin.core.api import keyset
    from fupin.registry import selectors as registry
    from fupin.registry.validation import selectors as doubts
    from fupin.supervision.alerts import selectors as alerts
    from fupin.testing import make_user
    from fupin.workflows.cases import selectors as cases

    setup_test_environment()
    built = build(a.persons)
    township = COUNTY + "100"
    users = {
        "province": ("poverty_office", "51"),
        "county": ("poverty_office", COUNTY),
        "township": ("township", township),
    }
    lists = [
        # name, page URL, API URL, queryset of the actor, keys, table, naive order
        ("办件查询", "workflows:case_list", "/api/v1/cases", lambda ac: cases.case_list(ac, cases.CaseFilters()),
         cases.CASE_KEYS, "workflows_case", "state_since, id"),
        ("预警督办", "supervision:alerts", "/api/v1/supervision/alerts",
         lambda ac: alerts.alert_list(ac, alerts.AlertFilters()), alerts.ALERT_KEYS,
         "supervision_alert", "first_seen_at DESC, id DESC"),
        ("疑点清单", "registry:doubts", "/api/v1/registry/doubts",
         lambda ac: doubts.doubt_list(ac, None), doubts.DOUBT_KEYS, "registry_doubt",
         "region_code, household_id, id"),
        ("贫困户", "registry:household_list", "/api/v1/registry/households",
         lambda ac: registry.household_queryset(ac, filters=registry.HouseholdFilters()),
         registry.PAGE_KEYS, "registry_household", "region_code, id"),
    ]  # fmt: skip

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    floor_p50, floor_p95 = timed(floor, a.runs)
    rows = []
    for level, grant in users.items():
        User.objects.filter(username=f"bench_{level}").delete()
        user = make_user(f"bench_{level}", grant)
        actor = load_actor(user)
        client = Client()
        client.force_login(user)
        region = grant[1]
        for name, page, api, make_qs, spec, table, order in lists:
            qs = make_qs(actor)
            cursor = deep_cursor(qs, spec)
            after = "after" if table == "registry_household" else "cursor"
            for depth, c in (("第一页", None), ("深页", cursor or None)):
                page_params = {after: c} if c else {}
                api_params = (
                    page_params if table == "registry_household" else ({"cursor": c} if c else {})
                )

                def sql(qs: Any = qs, c: str | None = c, spec: Any = spec) -> None:
                    keyset.keyset_page(qs, spec, cursor=c)
                    keyset.capped_count(qs)

                def get_page(
                    params: dict[str, str] = page_params,
                    client: Client = client,
                    url: str = reverse(page),
                ) -> None:
                    assert client.get(url, params).status_code == 200

                def get_api(
                    params: dict[str, str] = api_params, client: Client = client, url: str = api
                ) -> None:
                    assert client.get(url, params).status_code == 200

                s50, s95 = timed(sql, a.runs)
                n50, _ = timed(naive(table, region, order, c is not None), max(3, a.runs // 3))
                g50, g95 = timed(get_page, a.runs)
                i50, i95 = timed(get_api, a.runs)
                rows.append([
                    level, f"{name} {depth}", f"{s50:.1f} / {s95:.1f}", f"{n50:.1f}",
                    f"{n50 / s50:.1f}×", f"{g50:.0f} / {g95:.0f}", f"{i50:.0f} / {i95:.0f}",
                ])  # fmt: skip

        def search(client: Client = client) -> None:
            client.get(reverse("registry:household_list"), {"q": "张"})

        def name_search(actor: Any = actor) -> None:
            registry.household_list(actor, filters=registry.HouseholdFilters(q="张"))

        s50, s95 = timed(name_search, a.runs)
        g50, g95 = timed(search, a.runs)
        rows.append(
            [level, "贫困户 姓名搜索「张」", f"{s50:.1f} / {s95:.1f}", "—", "—",
             f"{g50:.0f} / {g95:.0f}", "—"]
        )  # fmt: skip
    print(f"registry: {a.persons:,} persons (built in {built:.0f} s; 0 = reused)")
    print(f"floor SELECT 1: p50 {floor_p50:.2f} ms, p95 {floor_p95:.2f} ms")
    print_table(
        "lists, ms: the list's SQL (keyset page + capped count) p50 / p95, the naive SQL"
        " (COUNT(*) + ORDER BY … OFFSET) p50, their ratio, and the whole page and API request"
        " through the test client p50 / p95",
        ["user", "list", "list SQL", "naive SQL", "naive / list", "page", "API"],
        rows,
    )


if __name__ == "__main__":
    main()
