"""The 疑点 counts read the `registry.doubts` rollup: the triggers on the doubt table follow a
sweep's delete-and-insert, a fixed household's cleared findings and deleted doubts
(`stats_verify` finds no difference), and the page's and API's counts by rule and by region
cost the same queries whatever the number of doubts, none of them aggregating doubt rows."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from fupin.accounts.selectors import load_actor
from fupin.core import stats
from fupin.core.api import keyset
from fupin.registry.models import Doubt, Household, Member
from fupin.registry.validation import selectors
from fupin.testing import Personas, client_for

from .test_validation_pages import create

pytestmark = [pytest.mark.django_db]

FIGURE = "registry.doubts"
DOUBTS = "/registry/validation/doubts/"
SUMMARY = "/api/v1/registry/doubts/summary"


def verified() -> None:
    assert stats.verify([FIGURE]) == []
    out = StringIO()
    call_command("stats_verify", "--figure", FIGURE, stdout=out)  # exits 0
    assert "1 个指标与原始数据一致" in out.getvalue()


def raw_by_rule(prefix: str) -> dict[str, int]:
    rows = Doubt.objects.filter(region_code__startswith=prefix).values("rule_code")
    return {r["rule_code"]: r["n"] for r in rows.annotate(n=Count("id"))}


def rolled_by_rule(prefix: str) -> dict[str, int]:
    reading = stats.read(FIGURE, regions=[prefix], by=("rule",))
    return {k: v for k, v in reading.by("rule", "doubts").items() if v}


def test_sweep_fix_and_delete_keep_the_rollup_exact(
    county_personas: Personas, county: Any, village: Any, sibling_county: Any
) -> None:
    user = county_personas.in_region
    flagged = create(user, village, "5109810001", uninsured=True)
    create(user, village, "5109810002", uninsured=True)
    far_village = sibling_county.children.first().children.first()
    create(county_personas.out_of_region, far_village, "5109030001", uninsured=True)
    call_command("registry_sweep", stdout=StringIO())
    assert raw_by_rule(county.code)["M019"] == 2
    for prefix in (village.code, village.code[:9], county.code, "51", ""):
        assert rolled_by_rule(prefix) == raw_by_rule(prefix), prefix
    verified()
    # The household is fixed and swept again: its finding is cleared, the rollup follows.
    Member.objects.filter(household=flagged).update(insured_medical=True)
    call_command("registry_sweep", "--region", county.code, stdout=StringIO())
    assert raw_by_rule(county.code)["M019"] == 1
    assert rolled_by_rule(county.code) == raw_by_rule(county.code)
    verified()
    # Doubts deleted directly, and through their household's deletion (cascade).
    Doubt.objects.filter(region_code__startswith=sibling_county.code).delete()
    Household.objects.filter(household_no="5109810002").delete()
    assert rolled_by_rule(county.code) == raw_by_rule(county.code)
    assert rolled_by_rule(sibling_county.code) == {}
    verified()


def test_counts_by_rule_and_child_match_the_rows_and_the_scope(
    county_personas: Personas, county: Any, township: Any, village: Any, sibling_county: Any
) -> None:
    create(county_personas.in_region, village, "5109810001", uninsured=True)
    far_village = sibling_county.children.first().children.first()
    create(county_personas.out_of_region, far_village, "5109030001", uninsured=True)
    call_command("registry_sweep", stdout=StringIO())
    actor = load_actor(county_personas.in_region)
    by_rule = {c.code: c.count for c in selectors.counts_by_rule(actor, None)}
    assert by_rule == raw_by_rule(county.code)  # the jurisdiction only
    children = selectors.counts_by_child(actor, None, "M019")
    assert [(c.region.code, c.count) for c in children] == [(county.code, 1)]
    townships = selectors.counts_by_child(actor, county, "M019")
    assert {c.region.code: c.count for c in townships if c.count} == {township.code: 1}
    assert not [c for c in selectors.counts_by_child(actor, county, "H001") if c.count]


def _queries(client: Any, url: str) -> list[str]:
    assert client.get(url).status_code == 200  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_page_and_api_counts_do_not_grow_with_the_doubts(
    county_personas: Personas, county: Any, township: Any
) -> None:
    user = county_personas.in_region
    villages = list(township.children.order_by("code")[:3])
    create(user, villages[0], "5109810001", uninsured=True)
    call_command("registry_sweep", stdout=StringIO())
    client = client_for(user)
    urls = (
        DOUBTS,
        f"{DOUBTS}?region={county.code}",
        f"{DOUBTS}?region={township.code}&rule=M019",
        f"{SUMMARY}?region={county.code}",
        SUMMARY,
    )
    small = [_queries(client, url) for url in urls]
    for n, v in enumerate(villages):
        for i in range(3):
            create(user, v, f"5109819{n}{i:02d}", uninsured=True)
    call_command("registry_sweep", stdout=StringIO())
    assert Doubt.objects.count() >= 10
    for url, before in zip(urls, small, strict=True):
        after = _queries(client, url)
        assert len(after) == len(before), url
        # Only the keyset list reads doubt rows (its page and its capped count); no count by
        # rule or region is aggregated from them.
        capped = f"LIMIT {keyset.COUNT_CAP + 1}) subquery"
        aggregates = [
            q
            for q in after
            if "registry_doubt" in q and ("GROUP BY" in q or ("COUNT(" in q and capped not in q))
        ]
        assert not aggregates, (url, aggregates)
