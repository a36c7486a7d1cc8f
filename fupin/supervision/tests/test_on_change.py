"""The on-change path: an edit through the registry services (or a case moving on) re-checks
that record's rules at once, inside the edit's transaction — no sweep needed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.registry import services as registry
from fupin.registry.models import Household
from fupin.registry.tests.factories import family, household_data, member
from fupin.supervision import engine
from fupin.supervision.alerts.services import SYSTEM
from fupin.supervision.models import Alert
from fupin.workflows import engine as wf
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Case, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


def ten_year_old_birth() -> dt.date:
    return dt.date(timezone.localdate().year - 10, 1, 1)


def household_with_child(officials: Officials, village: Any) -> Household:
    people = [
        *family(village.code[:6]),
        member(village.code[:6], "张小红", "daughter", ten_year_old_birth(), male=False,
               schooling="primary"),
    ]  # fmt: skip
    return registry.household_create(
        actor=officials.village, village_code=village.code,
        data=household_data(f"{village.code}0901", helper_name="王帮扶"), members=people,
    ).household  # fmt: skip


def test_member_edit_raises_exactly_one_alert_at_once(officials: Officials, village: Any) -> None:
    """ACCEPTANCE: a child of 10 put out of school through the registry service raises one
    alert for its village immediately; editing again does not duplicate it."""
    household = household_with_child(officials, village)
    assert not Alert.objects.exists()
    daughter = household.members.get(name="张小红")
    registry.member_update(
        actor=officials.village, member_id=daughter.pk, version=daughter.version,
        data={"schooling": "not_in_school"},
    )  # fmt: skip
    alerts = Alert.objects.filter(region_code=village.code)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.rule_code == "R102" and alert.subject_type == "member"
    assert alert.subject_id == daughter.pk and alert.scope_id == household.pk
    assert alert.household_id == household.pk and alert.is_open and alert.hit_count == 1
    assert alert.evidence == {"年龄": 10, "在校生状况": "非在校生"}
    case = alert.case
    assert case.kind == "alert" and case.state == "assigned" and case.is_open
    assert case.region_code == village.code and case.data["rule"] == "R102"
    timeline = list(Transition.objects.filter(case=case).values_list("name", "to_state"))
    assert timeline == [("create", "assigned")]
    # Titled by the rule and the household number, never the child's name (issue 12).
    assert case.title == f"义务教育阶段适龄儿童失学辍学：户编号 {household.household_no}"
    assert alert.subject_label == f"户编号 {household.household_no}"
    # Edited again, still out of school: the same alert, seen twice.
    daughter.refresh_from_db()
    registry.member_update(
        actor=officials.village, member_id=daughter.pk, version=daughter.version,
        data={"schooling": "dropout"},
    )  # fmt: skip
    assert Alert.objects.filter(region_code=village.code).count() == 1
    assert Case.objects.filter(kind="alert").count() == 1
    alert.refresh_from_db()
    assert alert.hit_count == 2 and alert.evidence["在校生状况"] == "辍学"
    # Back at school: the condition is recorded as cleared, the alert stays for 销号.
    daughter.refresh_from_db()
    registry.member_update(
        actor=officials.village, member_id=daughter.pk, version=daughter.version,
        data={"schooling": "primary"},
    )  # fmt: skip
    alert.refresh_from_db()
    assert alert.cleared_at is not None and alert.is_open


def test_household_edit_raises_and_clears_at_once(officials: Officials, village: Any) -> None:
    household = make_household(officials.county, village, income=None, helper_name="王帮扶")
    assert not Alert.objects.exists()
    registry.household_update(
        actor=officials.village, pk=household.pk, version=household.version,
        data={"housing_grade": "D"},
    )  # fmt: skip
    alert = Alert.objects.get()
    assert alert.rule_code == "R104" and alert.unit_code == village.code[:9]
    household.refresh_from_db()
    registry.household_update(
        actor=officials.village, pk=household.pk, version=household.version,
        data={"housing_rebuilt": True},
    )  # fmt: skip
    alert.refresh_from_db()
    assert alert.cleared_at is not None and Alert.objects.count() == 1


def test_edit_rechecks_only_the_edited_household(officials: Officials, village: Any) -> None:
    edited = make_household(officials.county, village, income=None, helper_name="王帮扶")
    other = make_household(officials.county, village, income=None, helper_name="王帮扶")
    Household.objects.filter(pk=other.pk).update(housing_grade="D")
    registry.household_update(
        actor=officials.village, pk=edited.pk, version=edited.version,
        data={"housing_grade": "C"},
    )  # fmt: skip
    assert list(Alert.objects.values_list("subject_id", flat=True)) == [edited.pk]


def test_a_case_moving_on_clears_its_stuck_alert(officials: Officials, village: Any) -> None:
    household = make_household(officials.county, village, income=None, helper_name="王帮扶")
    case = wf.case_create(
        actor=SYSTEM, kind="identification", region=village, title="识别申请",
        household=household, system=True,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(
        state="reviewed", state_since=timezone.now() - dt.timedelta(days=40)
    )
    engine.sweep(region_code=village.code[:6], codes=["R201"])
    alert = Alert.objects.get(rule_code="R201")
    assert alert.subject_id == case.pk and alert.cleared_at is None
    # The alert's own case moving (issue_notice) re-checks nothing on the stuck case …
    wf.case_transition(actor=officials.county, case_id=alert.case_id, step="issue_notice")
    alert.refresh_from_db()
    assert alert.cleared_at is None
    # … the stuck case moving on clears it at once.
    wf.case_transition(
        actor=officials.village, case_id=case.pk, step="verify",
        data={"verified_members": 3}, comment="入户核实",
    )  # fmt: skip
    alert.refresh_from_db()
    assert alert.cleared_at is not None and alert.is_open
