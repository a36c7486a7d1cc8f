"""Plan tests of the lists (issue 13): on a generated registry large enough for the planner
to prefer indexes (a county and a township of a bigger province-like set), EXPLAIN of every
query a list page runs shows an index condition on the region and no Seq Scan of a big table.

The set: 36,000 households (72,000 members, 36,000 疑点, 7,200 cases and alerts), nine in ten
of them in the sibling county, so the county under test is a small part of the data as a
county is of a province."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.api import keyset
from fupin.registry import selectors as registry
from fupin.registry.io import export
from fupin.registry.validation import selectors as doubts
from fupin.supervision.alerts import selectors as alerts
from fupin.testing import COUNTY, SIBLING_COUNTY, make_user, shared_data
from fupin.workflows.cases import selectors as cases

from .generate import generate

pytestmark = [pytest.mark.django_db]

BIG = {
    "registry_household",
    "registry_member",
    "registry_doubt",
    "workflows_case",
    "supervision_alert",
}


@pytest.fixture(scope="module")
def data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with shared_data(django_db_blocker):
        # Statistics over every row (300 × 400 = 120,000 ≥ the 72,000 members): the plans
        # do not depend on ANALYZE's random sample.
        generate(32_400, prefixes=[SIBLING_COUNTY], tag="S", statistics_target=400)
        generate(3_600, prefixes=[COUNTY], tag="C", statistics_target=400)
        yield


@pytest.fixture
def actors(data: None) -> dict[str, Actor]:
    from fupin.regions.models import Region

    township = Region.objects.filter(code__startswith=COUNTY, level=3).order_by("code").first()
    assert township is not None
    return {
        "county": load_actor(make_user("plan_county", ("poverty_office", COUNTY))),
        "township": load_actor(make_user("plan_township", ("township", township.code))),
    }


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plans(run: Callable[[], Any], *, off: str = "") -> list[tuple[str, list[dict[str, Any]]]]:
    """The plan nodes of every SELECT on a big table that `run` issues (`off`: a planner
    method, e.g. enable_sort, turned off for the EXPLAINs)."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    result = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if sql.startswith("DECLARE"):  # a server-side cursor (the export's chunks)
            sql = sql.split(" CURSOR FOR ", 1)[1]
        if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in BIG):
            continue
        with connection.cursor() as cursor:
            if off:
                cursor.execute(f"SET {off} = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            if off:
                cursor.execute(f"RESET {off}")
        if isinstance(plan, str):
            plan = json.loads(plan)
        result.append((sql, list(_nodes(plan[0]["Plan"]))))
    return result


def _show(nodes: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {n['Node Type']} {n.get('Relation Name', '')} {n.get('Index Name', '')}"
        f" {n.get('Index Cond', n.get('Recheck Cond', n.get('Filter', '')))}"
        for n in nodes
    )


def assert_region_indexed(run: Callable[[], Any]) -> None:
    plans = _plans(run)
    assert plans, "no query on a big table was run"
    for sql, nodes in plans:
        seq = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"]
        assert not [t for t in seq if t in BIG], f"Seq Scan of {seq}:\n{sql}\n{_show(nodes)}"
        conds = " ".join(str(n.get(k, "")) for n in nodes for k in ("Index Cond", "Recheck Cond"))
        region = "region_code" in conds or "county_code" in conds
        # A query by primary keys (the rows of a page already chosen) is bounded by the page.
        by_ids = '"id" = ANY' in conds or "(id = ANY" in conds or "id = ANY" in conds
        assert region or by_ids, f"no index condition on the region:\n{sql}\n{conds}"


LEVELS = ["county", "township"]


@pytest.mark.parametrize("level", LEVELS)
def test_household_list(actors: dict[str, Actor], level: str) -> None:
    f = registry.HouseholdFilters()
    first = registry.household_list(actors[level], filters=f, limit=50)
    assert first.items and first.next_cursor
    assert_region_indexed(lambda: registry.household_list(actors[level], filters=f))
    assert_region_indexed(
        lambda: registry.household_list(actors[level], filters=f, after=first.next_cursor)
    )


@pytest.mark.parametrize("level", LEVELS)
def test_household_name_search(actors: dict[str, Actor], level: str) -> None:
    """A name as users type it (family and given name): the head and member names are found
    through their trigram indexes, not by scanning the members (the old `OR EXISTS`)."""
    name = registry.household_list(actors[level], filters=registry.HouseholdFilters()).items[0]
    q = name.head_name[:2]
    f = registry.HouseholdFilters(q=q)
    page = registry.household_list(actors[level], filters=f)
    assert page.items and all(
        h.head_name.startswith(q) or h.members.filter(name__startswith=q).exists()
        for h in page.items
    )
    plans = _plans(lambda: registry.household_list(actors[level], filters=f))
    for sql, nodes in plans:
        seq = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"]
        assert "registry_member" not in seq and "registry_household" not in seq, _show(nodes)
        if "registry_member" in sql:
            # Heads and members are each looked up by an index of their own (not filtered
            # row by row inside the household scan, as the old OR EXISTS did): the trigrams,
            # or the county code when the planner finds the county's rows fewer — both are
            # narrowed by county (registry.selectors._name_matches), and PostgreSQL 18 picks
            # the county index for the heads of this small county on some ANALYZE samples.
            used = {n.get("Index Name") for n in nodes}
            assert used & {"household_head_name_trgm", "household_county_status"}, _show(nodes)
            assert used & {"member_name_trgm", "member_county"}, _show(nodes)


@pytest.mark.parametrize("level", LEVELS)
def test_case_list(actors: dict[str, Actor], level: str) -> None:
    qs = cases.case_list(actors[level], cases.CaseFilters(kind="identification"))
    first = keyset.keyset_page(qs, cases.CASE_KEYS)
    assert first.items and first.next_cursor
    assert_region_indexed(lambda: keyset.keyset_page(qs, cases.CASE_KEYS))
    assert_region_indexed(lambda: keyset.keyset_page(qs, cases.CASE_KEYS, cursor=first.next_cursor))
    assert_region_indexed(lambda: keyset.capped_count(qs))


@pytest.mark.parametrize("level", LEVELS)
def test_alert_list(actors: dict[str, Actor], level: str) -> None:
    qs = alerts.scoped_alerts(actors[level]).filter(is_open=True).select_related("case")
    first = keyset.keyset_page(qs, alerts.ALERT_KEYS)
    assert first.items and first.next_cursor
    assert_region_indexed(lambda: keyset.keyset_page(qs, alerts.ALERT_KEYS))
    assert_region_indexed(
        lambda: keyset.keyset_page(qs, alerts.ALERT_KEYS, cursor=first.next_cursor)
    )
    assert_region_indexed(lambda: keyset.capped_count(qs))


@pytest.mark.parametrize("level", LEVELS)
def test_doubt_list(actors: dict[str, Actor], level: str) -> None:
    qs = doubts.doubt_list(actors[level], None)
    first = keyset.keyset_page(qs, doubts.DOUBT_KEYS)
    assert first.items and first.next_cursor
    assert_region_indexed(
        lambda: keyset.keyset_page(qs, doubts.DOUBT_KEYS, cursor=first.next_cursor)
    )
    assert_region_indexed(lambda: keyset.capped_count(qs))


@pytest.mark.parametrize("level", LEVELS)
def test_export_first_chunk(actors: dict[str, Actor], level: str) -> None:
    def first_chunk() -> None:
        rows = export.iter_households(actors[level], registry.HouseholdFilters(), chunk_size=200)
        next(rows)
        rows.close()  # type: ignore[attr-defined]  # a generator

    # A cursor is planned for its first rows; EXPLAIN plans for all of them and may sort
    # instead. With sorting disabled the plan keeps a Sort only when no index gives the order.
    plans = _plans(first_chunk, off="enable_sort")
    households = [(sql, n) for sql, n in plans if 'FROM "registry_household"' in sql]
    assert households
    for _sql, nodes in households:
        assert not [n for n in nodes if n["Node Type"] in ("Seq Scan", "Sort")], _show(nodes)
    assert_region_indexed(first_chunk)
