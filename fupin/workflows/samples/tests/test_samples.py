"""Third-party samples: reproducible draws (the seed is recorded), scoped drawing and findings,
the sample pages and the export; survey records through the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.testing import Personas, assert_jurisdiction, client_for
from fupin.workflows.cases import services
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Sample, SampleItem, Survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def exited(officials: Officials, village: Any) -> list[int]:
    return [
        make_household(officials.village, village, status="exited", income=None).pk
        for _ in range(12)
    ]


def _ids(sample: Sample) -> list[int]:
    return list(sample.items.order_by("position").values_list("household_id", flat=True))


def test_same_seed_same_population_same_households(
    officials: Officials, county: Any, exited: list[int]
) -> None:
    def draw(seed: int | None) -> Sample:
        return services.sample_draw(
            actor=officials.county, region_code=county.code, purpose="exited", size=5, seed=seed
        )

    first, again, other = draw(20260301), draw(20260301), draw(42)
    assert _ids(first) == _ids(again)
    assert len(set(_ids(first))) == 5 and set(_ids(first)) <= set(exited)
    assert _ids(other) != _ids(first)
    assert (first.seed, first.population, first.size) == (20260301, 12, 5)
    # No seed given: one is chosen and recorded, and drawing with it repeats the sample.
    chosen = draw(None)
    assert chosen.seed is not None
    assert _ids(draw(Sample.objects.get(pk=chosen.pk).seed)) == _ids(chosen)


def test_population_is_the_purpose_status_in_the_region(
    officials: Officials, county: Any, village: Any, exited: list[int]
) -> None:
    ordinary = make_household(officials.village, village, status="ordinary", income=None)
    make_household(officials.village, village)  # poor: in neither
    sample = services.sample_draw(
        actor=officials.county, region_code=county.code, purpose="non_poor", size=10, seed=1
    )
    assert (sample.population, sample.size, _ids(sample)) == (1, 1, [ordinary.pk])
    with pytest.raises(ValidationFailed, match="样本量应在"):
        services.sample_draw(
            actor=officials.county, region_code=county.code, purpose="exited", size=0
        )


def test_draw_is_scoped(
    officials: Officials, county: Any, sibling_county: Any, exited: list[int]
) -> None:
    with pytest.raises(NotFound):
        services.sample_draw(
            actor=officials.county, region_code=sibling_county.code, purpose="exited", size=3
        )
    with pytest.raises(PermissionDenied):
        services.sample_draw(
            actor=officials.discipline, region_code=county.code, purpose="exited", size=3
        )
    assert Sample.objects.count() == 0


def test_sample_new_page_draws_and_redirects(
    county_personas: Personas, county: Any, exited: list[int]
) -> None:
    url = reverse("workflows:sample_new")
    data = {"region": county.code, "purpose": "exited", "size": "4", "seed": "99"}
    assert client_for(county_personas.out_of_region).post(url, data).status_code == 404
    assert client_for(county_personas.read_only).post(url, data).status_code == 403
    assert client_for(county_personas.read_only).get(url).status_code == 403
    assert Sample.objects.count() == 0
    client = client_for(county_personas.in_region)
    page = client.get(url)
    assert page.status_code == 200 and "随机种子" in page.content.decode()
    response = client.post(url, data)
    sample = Sample.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflows:sample_detail", args=[sample.pk])
    assert (sample.seed, sample.size, sample.population) == (99, 4, 12)
    bad = client.post(url, {**data, "size": "abc"})
    assert bad.status_code == 422 and "样本量应为整数" in bad.content.decode()
    none = client.post(url, {**data, "purpose": "non_poor"})
    assert none.status_code == 422 and "抽样范围内没有符合条件的农户" in none.content.decode()


def test_sample_pages_are_scoped(
    officials: Officials, county_personas: Personas, county: Any, exited: list[int]
) -> None:
    sample = services.sample_draw(
        actor=officials.county, region_code=county.code, purpose="exited", size=6, seed=5
    )
    detail = reverse("workflows:sample_detail", args=[sample.pk])
    assert_jurisdiction(county_personas, "get", detail)
    assert_jurisdiction(
        county_personas, "get", reverse("workflows:sample_export", args=[sample.pk])
    )
    html = client_for(county_personas.in_region).get(detail).content.decode()
    assert "5" in html and "总体数量" in html and "12 户" in html
    assert "同一随机种子、对同一总体重新抽样" in html
    first = sample.items.order_by("position").first()
    assert first is not None and first.household.household_no in html
    # The list shows the sample to the county, not to the sibling county.
    listing = reverse("workflows:samples")
    assert (
        f"抽样 {sample.pk}<" in client_for(county_personas.in_region).get(listing).content.decode()
    )
    sibling = client_for(county_personas.out_of_region).get(listing)
    assert sibling.status_code == 200 and f"抽样 {sample.pk}<" not in sibling.content.decode()
    # The read-only user sees findings but no form.
    ro = client_for(county_personas.read_only).get(detail).content.decode()
    assert 'name="finding"' not in ro and 'name="finding"' in html


def test_finding_post_is_scoped_and_updates_the_rate(
    officials: Officials, county_personas: Personas, county: Any, exited: list[int]
) -> None:
    sample = services.sample_draw(
        actor=officials.county, region_code=county.code, purpose="exited", size=4, seed=5
    )
    items = list(sample.items.order_by("position"))
    url = reverse("workflows:sample_finding", args=[items[0].pk])
    data = {"finding": "wrong_exit", "note": "收入核实不足", "version": str(items[0].version)}
    assert client_for(county_personas.out_of_region).post(url, data).status_code == 404
    assert client_for(county_personas.read_only).post(url, data).status_code == 403
    assert SampleItem.objects.get(pk=items[0].pk).finding == ""
    client = client_for(county_personas.in_region)
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?page=1#item-{items[0].pk}")
    saved = SampleItem.objects.get(pk=items[0].pk)
    assert (saved.finding, saved.note) == ("wrong_exit", "收入核实不足")
    client.post(
        reverse("workflows:sample_finding", args=[items[1].pk]),
        {"finding": "correct", "version": str(items[1].version)},
    )
    page = client.get(reverse("workflows:sample_detail", args=[sample.pk])).content.decode()
    assert "错退率" in page and "50.00%" in page
    bad = client.post(url, {"finding": "nonsense", "version": str(saved.version)}, follow=True)
    assert "请选择核查结论" in bad.content.decode()
    assert SampleItem.objects.get(pk=items[0].pk).finding == "wrong_exit"


def test_export_lists_the_drawn_households(
    officials: Officials, county: Any, exited: list[int], county_personas: Personas
) -> None:
    sample = services.sample_draw(
        actor=officials.county, region_code=county.code, purpose="exited", size=3, seed=11
    )
    response = client_for(county_personas.in_region).get(
        reverse("workflows:sample_export", args=[sample.pk])
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert "随机种子,11" in lines[1] and "总体数量,12" in lines[2]
    header = lines.index("序号,户编号,村代码,村,户主姓名,状态,核查结论,说明")
    rows = lines[header + 1 :]
    nos = [r.split(",")[1] for r in rows]
    expected = list(
        sample.items.order_by("position").values_list("household__household_no", flat=True)
    )
    assert nos == expected and all(",张大山,已脱贫," in r for r in rows)


def test_survey_page_records_and_is_scoped(
    county_personas: Personas, village: Any, county: Any
) -> None:
    url = reverse("workflows:surveys")
    data = {
        "village": village.code,
        "surveyed_on": "2026-03-01",
        "surveyed": "50",
        "satisfied": "46",
        "surveyor": "第三方评估组",
    }
    assert client_for(county_personas.out_of_region).post(url, data).status_code == 404
    assert client_for(county_personas.read_only).post(url, data).status_code == 403
    assert Survey.objects.count() == 0
    client = client_for(county_personas.in_region)
    assert client.post(url, data).status_code == 302
    survey = Survey.objects.get()
    assert (survey.surveyed, survey.satisfied, survey.surveyed_on) == (50, 46, dt.date(2026, 3, 1))
    assert survey.county_code == county.code
    bad = client.post(url, {**data, "satisfied": "60"})
    assert bad.status_code == 422 and "认可人数应在 0 与调查人数之间" in bad.content.decode()
    page = client.get(url).content.decode()
    assert "92.00%" in page and "第三方评估组" in page
    sibling = client_for(county_personas.out_of_region).get(url)
    assert sibling.status_code == 200 and "第三方评估组" not in sibling.content.decode()
    assert client_for(county_personas.read_only).get(url).status_code == 200


def test_sample_detail_queries_do_not_grow_with_items(
    officials: Officials, county: Any, exited: list[int], django_assert_max_num_queries: Any
) -> None:
    sample = services.sample_draw(
        actor=officials.county, region_code=county.code, purpose="exited", size=12, seed=3
    )
    client = client_for(officials.county_user)
    url = reverse("workflows:sample_detail", args=[sample.pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert len(response.context["page"]) == 12
