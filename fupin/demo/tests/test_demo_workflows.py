"""Demo cases: made through the real engine at realistic stages, actionable now by the demo
logins, fast and idempotent. The demo is made once for the module; the load on an empty
database is in test_demo_from_scratch.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.selectors import load_actor
from fupin.core.errors import ValidationFailed
from fupin.demo import workflows as demo_workflows
from fupin.demo.services import DEMO_COUNTY, load_demo
from fupin.demo.workflows import load_workflows
from fupin.regions.models import VillageProfile
from fupin.testing import shared_data
from fupin.workflows import engine
from fupin.workflows.flows import household_exit
from fupin.workflows.models import Case, Notice, NoticeLevel, Sample, SampleItem, Survey
from fupin.workflows.notices import services as notices

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_once(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[float]:
    """The demo and its cases are made once for the module (the seconds the cases took);
    each test's changes roll back as usual."""
    media = tmp_path_factory.mktemp("demo-workflows") / "media"
    with override_settings(MEDIA_ROOT=media), shared_data(django_db_blocker):
        with pytest.MonkeyPatch.context() as patch:  # time the workflow part on its own
            patch.setattr(demo_workflows, "load_workflows", lambda *args, **kwargs: 0)
            load_demo(province=None, households=60)
        assert not Case.objects.exclude(kind="alert").exists()
        started = time.monotonic()
        assert load_workflows(DEMO_COUNTY) > 0
        yield time.monotonic() - started


@pytest.fixture
def demo(demo_once: float) -> float:
    return demo_once


def actor(username: str) -> Any:
    return load_actor(User.objects.get(username=username))


def states(kind: str) -> list[str]:
    return sorted(Case.objects.filter(kind=kind).values_list("state", flat=True))


@pytest.mark.serial  # a wall-clock assertion: measured with no other test running
def test_demo_cases_at_every_stage(demo: float) -> None:
    assert demo < 10
    assert states("identification") == sorted(
        ["applied", "village_notice", "village_notice", "township_notice", "county_notice",
         "rejected"]
    )  # fmt: skip
    exits = states("household_exit")
    assert exits.count("village_notice") >= 7 and "consented" in exits
    assert "county_notice" in exits and "township_approved" in exits
    assert set(states("monitoring")) >= {"declared", "assisting", "observing"}
    assert Case.objects.filter(kind="monitoring", channel="self", household__isnull=False).exists()
    assert states("village_exit") == ["notice"]
    today = timezone.localdate()
    running = Notice.objects.filter(start_date__lte=today, end_date__gte=today)
    assert running.filter(level=NoticeLevel.VILLAGE).exists()
    assert running.filter(level=NoticeLevel.TOWNSHIP).exists()
    assert list(notices.public_notices(DEMO_COUNTY))


def test_the_demo_township_can_batch_approve_now(demo: float) -> None:
    township = actor("demo_township")
    waiting = [
        case.pk
        for case in Case.objects.filter(kind="household_exit", state="village_notice")
        if not engine.preview(township, case)[0][1]
    ]
    assert len(waiting) >= 6
    result = engine.case_batch_transition(
        actor=township, case_ids=waiting, step="township_approve", comment="批量审核通过"
    )
    assert result.done == waiting and not result.failed


def test_blocked_and_overridden_exits(demo: float) -> None:
    township = actor("demo_township")
    blocked = Case.objects.get(kind="household_exit", state="consented")
    village = actor("demo_village")
    (step, failures), = engine.preview(village, blocked)  # fmt: skip
    assert step.name == "publish_village"
    assert "基本医疗有保障" in failures[0]
    assert household_exit.can_override(township, blocked)
    overridden = Case.objects.exclude(override_reason="").get()
    assert overridden.override_failures[0]["code"] == "medical"
    assert overridden.state == "township_approved"


def test_next_steps_are_possible_now(demo: float) -> None:
    office = actor("demo_office")
    township = actor("demo_township")
    ready = Case.objects.get(kind="identification", state="county_notice")
    assert (
        engine.case_transition(actor=office, case_id=ready.pk, step="register").state
        == "registered"
    )
    observing = Case.objects.get(kind="monitoring", state="observing")
    assert (
        engine.case_transition(actor=office, case_id=observing.pk, step="clear").state == "cleared"
    )
    village_exit = Case.objects.get(kind="village_exit")
    done = engine.case_transition(actor=office, case_id=village_exit.pk, step="county_approve")
    assert done.state == "exited"
    assert VillageProfile.objects.get(region_id=village_exit.region_code).exit_year == done.year
    running = Case.objects.filter(kind="identification", state="village_notice")
    outcomes = []
    for case in running:
        try:
            engine.case_transition(actor=township, case_id=case.pk, step="township_approve")
            outcomes.append("ok")
        except ValidationFailed as exc:
            outcomes.append(str(exc))
    assert outcomes.count("ok") == 1 and any("公示期未满" in o for o in outcomes)


def test_samples_and_surveys(demo: float) -> None:
    sample = Sample.objects.get(county_code=DEMO_COUNTY)
    checked = SampleItem.objects.filter(sample=sample).exclude(finding="")
    assert checked.count() >= 1
    assert Survey.objects.filter(county_code=DEMO_COUNTY).count() >= 1


def test_idempotent(demo: float, django_assert_max_num_queries: Any) -> None:
    count = Case.objects.count()
    with django_assert_max_num_queries(1):
        assert load_workflows(DEMO_COUNTY) == 0
    assert load_demo(province=None, households=60) is False
    assert Case.objects.count() == count
