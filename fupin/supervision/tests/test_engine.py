"""The sweep: repeated hits merge into one open alert per (rule, subject), a closed alert
makes room for a new one, and a sweep or a re-check touches only its own region or record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditBatch
from fupin.registry.models import Household, Member
from fupin.supervision import engine
from fupin.supervision.alerts import services
from fupin.supervision.models import Alert
from fupin.testing import make_user
from fupin.workflows import engine as wf
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Case, Transition

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


def dangerous(actor: Any, village: Any) -> Household:
    """A poor household in a C-grade house (R104), set directly: no on-change re-check."""
    hh = make_household(actor, village, income=None, helper_name="王帮扶")
    Household.objects.filter(pk=hh.pk).update(housing_grade="C")
    return hh


def uninsured(hh: Household) -> Member:
    wife = hh.members.get(relation="spouse")
    Member.objects.filter(pk=wife.pk).update(insured_medical=False)
    return wife


def by_rule(results: list[engine.SweepResult]) -> dict[str, engine.SweepResult]:
    return {r.rule: r for r in results}


def test_sweep_twice_merges_into_one_alert(officials: Officials, village: Any) -> None:
    hh = dangerous(officials.county, village)
    wife = uninsured(hh)
    county = village.code[:6]
    first = by_rule(engine.sweep(region_code=county))
    assert set(first) >= {f"R10{i}" for i in range(1, 7)} | {"R201", "R202", "R203"}
    assert (first["R104"].opened, first["R104"].refreshed) == (1, 0)
    assert (first["R103"].opened, first["R103"].refreshed) == (1, 0)
    assert first["R104"].hits == 1
    second = by_rule(engine.sweep(region_code=county))
    assert (second["R104"].opened, second["R104"].refreshed, second["R104"].cleared) == (0, 1, 0)
    alerts = Alert.objects.filter(is_open=True)
    assert alerts.count() == 2
    house = alerts.get(rule_code="R104")
    assert house.subject_id == hh.pk and house.hit_count == 2
    assert house.last_seen_at >= house.first_seen_at  # now(): one test transaction
    member = alerts.get(rule_code="R103")
    assert member.subject_id == wife.pk and member.hit_count == 2
    # Each alert is a workflow case of kind "alert" with one creation row on its timeline.
    assert Case.objects.filter(kind="alert").count() == 2
    assert Transition.objects.filter(case__kind="alert").count() == 2
    # The sweep ran under one audit batch.
    assert AuditBatch.objects.filter(kind="supervision.sweep").count() == 2


def close_by_verification(officials: Officials, alert: Alert) -> None:
    case = wf.case_transition(
        actor=officials.county, case_id=alert.case_id, step="issue_notice",
        data={"content": "请立即整改危房"},
    )  # fmt: skip
    assert case.state == "noticed"
    services.rectification_submit(
        actor=officials.township, alert_id=alert.pk, content="已安排危房改造，完成加固",
        files=[SimpleUploadedFile("after.jpg", b"\xff\xd8\xff\xe0 photo", "image/jpeg")],
    )  # fmt: skip
    wf.case_transition(actor=officials.township, case_id=alert.case_id, step="submit")
    wf.case_transition(actor=officials.county, case_id=alert.case_id, step="verify", comment="属实")


def test_a_closed_alert_makes_room_for_a_new_one(
    officials: Officials, village: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    hh = dangerous(officials.county, village)
    engine.sweep(region_code=village.code[:6], codes=["R104"])
    alert = Alert.objects.get(rule_code="R104")
    close_by_verification(officials, alert)
    alert.refresh_from_db()
    assert not alert.is_open and alert.case.state == "closed"
    # The house was not actually fixed: the next sweep opens a NEW alert.
    again = by_rule(engine.sweep(region_code=village.code[:6], codes=["R104"]))
    assert (again["R104"].opened, again["R104"].refreshed) == (1, 0)
    alerts = Alert.objects.filter(rule_code="R104", subject_id=hh.pk)
    assert alerts.count() == 2
    fresh = alerts.get(is_open=True)
    assert fresh.pk != alert.pk and fresh.hit_count == 1 and fresh.case.state == "assigned"
    alert.refresh_from_db()
    assert alert.hit_count == 1 and not alert.is_open  # the closed one is left alone


def test_sweep_is_bounded_by_its_region(
    officials: Officials, village: Any, sibling_county: Any
) -> None:
    here = dangerous(officials.county, village)
    sibling_village = (
        sibling_county.children.order_by("code").first().children.order_by("code").first()
    )
    sibling_office = load_actor(make_user("sibling", ("poverty_office", sibling_county.code)))
    there = dangerous(sibling_office, sibling_village)
    engine.sweep(region_code=sibling_county.code, codes=["R104"])
    assert list(Alert.objects.values_list("subject_id", flat=True)) == [there.pk]
    # County A's sweep opens its own alert and neither refreshes nor clears county B's,
    # even once B's condition is gone.
    Household.objects.filter(pk=there.pk).update(housing_grade="A")
    result = by_rule(engine.sweep(region_code=village.code[:6], codes=["R104"]))
    assert (result["R104"].opened, result["R104"].refreshed, result["R104"].cleared) == (1, 0, 0)
    theirs = Alert.objects.get(subject_id=there.pk)
    assert theirs.hit_count == 1 and theirs.cleared_at is None
    assert Alert.objects.get(subject_id=here.pk).region_code == village.code
    # B's own sweep records that its condition cleared.
    result = by_rule(engine.sweep(region_code=sibling_county.code, codes=["R104"]))
    assert result["R104"].cleared == 1
    theirs.refresh_from_db()
    assert theirs.cleared_at is not None


def test_recheck_touches_only_its_household(officials: Officials, village: Any) -> None:
    one = dangerous(officials.county, village)
    two = dangerous(officials.county, village)
    uninsured(one)
    uninsured(two)
    engine.sweep(region_code=village.code[:6])
    assert Alert.objects.filter(is_open=True).count() == 4
    Household.objects.filter(pk__in=[one.pk, two.pk]).update(housing_grade="A")
    Member.objects.filter(household__in=[one, two]).update(insured_medical=True)
    results = by_rule(engine.recheck("household", one.pk, one.region_code))
    assert set(results) == {"R101", "R102", "R103", "R104", "R105", "R106"}
    assert results["R104"].cleared == 1 and results["R103"].cleared == 1
    cleared = Alert.objects.filter(cleared_at__isnull=False)
    assert {a.scope_id for a in cleared} == {one.pk}
    assert cleared.count() == 2
    others = Alert.objects.filter(scope_id=two.pk)
    assert others.count() == 2 and all(a.cleared_at is None for a in others)
    assert all(a.hit_count == 1 for a in others)


def test_recheck_refreshes_only_its_household(officials: Officials, village: Any) -> None:
    one = dangerous(officials.county, village)
    two = dangerous(officials.county, village)
    engine.sweep(region_code=village.code[:6], codes=["R104"])
    results = by_rule(engine.recheck("household", two.pk, two.region_code))
    assert (results["R104"].opened, results["R104"].refreshed) == (0, 1)
    assert Alert.objects.get(subject_id=two.pk).hit_count == 2
    assert Alert.objects.get(subject_id=one.pk).hit_count == 1


def test_live_counts(officials: Officials, village: Any, sibling_county: Any) -> None:
    dangerous(officials.county, village)
    uninsured(dangerous(officials.county, village))
    engine.sweep(region_code=village.code[:6], today=dt.date(2026, 6, 1))
    assert engine.live_counts(village.code[:6]) == {"R104": 2, "R103": 1}
    assert engine.live_counts(sibling_county.code) == {}
