"""年度数据 statistics read the rollups: a constant number of queries whatever the size of
the year, none over the snapshot rows, and every rollup read served by the region index
(EXPLAIN on a generated rollup of a province's size)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.selectors import load_actor
from fupin.core import stats
from fupin.registry import services
from fupin.registry.snapshots import selectors
from fupin.registry.snapshots.services import snapshot_year
from fupin.testing import make_user
from fupin.web.selectors import jurisdiction_summary

from .factories import family, household_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def office(county: Any) -> Any:
    return load_actor(make_user("plan_office", ("poverty_office", county.code)))


def add(actor: Any, village: Any, n: int, start: int) -> None:
    for i in range(n):
        services.household_create(
            actor=actor, village_code=village.code,
            data=household_data(f"{village.code}{start + i:04d}"), members=family(village.code[:6]),
        )  # fmt: skip


def _stats_queries(actor: Any, code: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        years = selectors.frozen_years(actor, code)
        result = selectors.year_stats(actor, year=years[0], region_code=code, region_name="")
    assert result.exists
    return [q["sql"] for q in ctx.captured_queries]


def test_year_stats_query_count_is_constant_and_reads_no_snapshot_rows(
    office: Any, county: Any, township: Any
) -> None:
    villages = list(township.children.order_by("code")[:3])
    add(office, villages[0], 1, 1)
    snapshot_year(year=2019, region_code=county.code, actor=office)
    small = {code: _stats_queries(office, code) for code in ("51", county.code, township.code)}
    for n, v in enumerate(villages):
        add(office, v, 4, 100 + 10 * n)
    snapshot_year(year=2019, region_code=county.code, actor=office)
    for code, queries in small.items():
        large = _stats_queries(office, code)
        assert len(large) == len(queries), code
        assert not [q for q in large if "registry_householdsnapshot" in q], code
    by_child = {c["child"]: c["households"] for c in selectors.year_stats(
        office, year=2019, region_code=township.code, region_name="").children}  # fmt: skip
    assert by_child == {villages[0].code: 5, villages[1].code: 4, villages[2].code: 4}


def _generate(rows_per_county: int) -> None:
    """A province's worth of rollup rows for other counties (level 3 … 5, two figures)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_rollup (figure, level, region_code, period, dims, vals)"
            " SELECT f, lv, CASE lv WHEN 3 THEN c WHEN 4 THEN c || lpad(mod(v, 30)::text, 3, '0')"
            "   ELSE c || lpad(mod(v, 30)::text, 3, '0') || lpad(v::text, 3, '0') END,"
            "  p, jsonb_build_object('status', 'poor', 'exited', (mod(v, 2) = 0)), ARRAY[1, 3]"
            " FROM unnest(ARRAY['registry.snapshot_status', 'registry.households']) f,"
            "  generate_series(100, 280) cc, LATERAL (SELECT '52' || lpad(cc::text, 4, '0') c) x,"
            "  generate_series(1, %s) v, unnest(ARRAY[3, 4, 5]) lv,"
            "  unnest(ARRAY[0, 2018, 2019]) p",
            [rows_per_county],
        )
        cursor.execute("ANALYZE core_rollup")


def test_rollup_reads_use_an_index_condition_on_the_region(
    office: Any, county: Any, township: Any, village: Any
) -> None:
    add(office, village, 2, 1)
    snapshot_year(year=2019, region_code=county.code, actor=office)
    _generate(120)  # ~400,000 rows
    with CaptureQueriesContext(connection) as ctx:
        for code in ("51", county.code, township.code):
            selectors.year_stats(office, year=2019, region_code=code, region_name="")
        stats.periods("registry.snapshot_status", regions=[county.code])
        jurisdiction_summary(office)
    reads = [q["sql"] for q in ctx.captured_queries if "core_rollup" in q["sql"]]
    assert len(reads) > 10
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on core_rollup" not in plan, (sql, plan)
            assert "rollup_figure_region" in plan and "region_code" in plan, (sql, plan)


def _page_queries(client: Any, url: str) -> list[str]:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_page_and_api_query_counts_do_not_grow_with_the_year(
    office: Any, county: Any, township: Any
) -> None:
    from fupin.accounts.models import User
    from fupin.testing import client_for

    client = client_for(User.objects.get(pk=office.user_id))
    villages = list(township.children.order_by("code")[:3])
    add(office, villages[0], 1, 1)
    snapshot_year(year=2019, region_code=county.code, actor=office)
    urls = (
        f"/registry/snapshots/?year=2019&region={county.code}",
        f"/api/v1/registry/snapshots/2019/stats?region={county.code}",
    )
    small = [_page_queries(client, url) for url in urls]
    for n, v in enumerate(villages):
        add(office, v, 4, 100 + 10 * n)
    snapshot_year(year=2019, region_code=county.code, actor=office)
    for url, before in zip(urls, small, strict=True):
        after = _page_queries(client, url)
        assert len(after) == len(before), url
        # Only the page's own keyset list reads snapshot rows, never an aggregate of them.
        aggregates = [q for q in after if "registry_householdsnapshot" in q and "GROUP BY" in q]
        assert not aggregates and not [q for q in after if "DISTINCT" in q and "year" in q]


def test_the_year_list_tests_the_region_prefix_once(
    office: Any, county: Any, township: Any, sibling_county: Any
) -> None:
    """Twice the same LIKE made the planner expect ~60 rows of a township's 7,000 and scan
    the whole year (0.5 s at 1M persons) instead of the (year, household_no) index."""
    with CaptureQueriesContext(connection) as ctx:
        selectors.household_page(office, year=2019, region_code=township.code)
    sql = ctx.captured_queries[-1]["sql"]
    assert sql.count("LIKE") == 1, sql
    # Outside the actor's jurisdiction the scope still applies (and finds nothing).
    with CaptureQueriesContext(connection) as ctx:
        rows, _ = selectors.household_page(office, year=2019, region_code=sibling_county.code)
    assert rows == [] and ctx.captured_queries[-1]["sql"].count("LIKE") == 2
