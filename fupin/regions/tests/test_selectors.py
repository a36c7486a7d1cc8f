"""Selectors: every read is scoped to the jurisdiction by code prefix."""

from __future__ import annotations

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core.errors import NotFound
from fupin.regions import selectors
from fupin.regions.models import Region
from fupin.testing import Personas, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def test_township_user_sees_none_of_sibling_township(
    township_personas: Personas, township: Region, sibling_township: Region
) -> None:
    actor = load_actor(township_personas.in_region)
    roots = list(selectors.region_roots(actor))
    assert [r.code for r in roots] == [township.code]
    villages = list(selectors.region_children(actor, township.code))
    assert villages and all(v.code.startswith(township.code) for v in villages)
    with pytest.raises(NotFound):
        selectors.region_children(actor, sibling_township.code)
    sibling_village = sibling_township.children.first()
    assert sibling_village is not None
    hits = selectors.region_search(actor, sibling_village.name)
    assert all(h.region.code.startswith(township.code) for h in hits)
    assert sibling_village.code not in {h.region.code for h in hits}


def test_search_path_and_limit(county_personas: Personas, township: Region) -> None:
    actor = load_actor(county_personas.in_region)
    hits = selectors.region_search(actor, township.name)
    hit = next(h for h in hits if h.region.code == township.code)
    assert hit.path_label == f"四川省/遂宁市/射洪市/{township.name}"
    assert all(h.region.code.startswith("510981") for h in hits)
    assert len(selectors.region_search(actor, "村")) == selectors.SEARCH_LIMIT


def test_system_admin_roots_are_provinces(db: None) -> None:
    admin = load_actor(make_user("root", ("sysadmin", "51")))
    assert [r.name for r in selectors.region_roots(admin)] == ["四川省"]


def test_descendant_counts(county: Region) -> None:
    counts = dict(selectors.region_descendant_counts(county))
    assert counts["乡镇"] == Region.objects.filter(parent=county).count()
    assert counts["村/社区"] == Region.objects.filter(code__startswith=county.code, level=5).count()


def test_lists_are_scoped(
    county_personas: Personas, organisation: object, battle_zone: object, command_unit: object
) -> None:
    sibling = load_actor(county_personas.out_of_region)
    assert not selectors.organisation_list(sibling).exists()
    assert not selectors.battle_zone_list(sibling).exists()
    assert not selectors.command_unit_list(sibling).exists()
    own = load_actor(county_personas.in_region)
    assert selectors.organisation_list(own, kind="department", q="农业").count() == 1
    assert selectors.organisation_list(own, kind="bank").count() == 0


def test_search_treats_wildcards_literally(county_personas: Personas) -> None:
    actor = load_actor(county_personas.in_region)
    assert selectors.region_search(actor, "%") == []
    assert selectors.region_search(actor, "_") == []
    assert selectors.region_search(actor, "   ") == []
