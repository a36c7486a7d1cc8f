"""A sweep wider than a county resolves each rule's parameters per county."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.models import Parameter
from fupin.supervision import engine
from fupin.supervision.models import Alert
from fupin.testing import make_user
from fupin.workflows.cases import services
from fupin.workflows.conftest import make_household
from fupin.workflows.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def _aged_exit_case(village: Any, days: int) -> Case:
    county = village.code[:6]
    office = load_actor(make_user(f"office{county}", ("poverty_office", county)))
    proposer = load_actor(make_user(f"cun{county}", ("village", village.code)))
    household = make_household(office, village)
    case = services.exit_propose(actor=proposer, household_id=household.pk, reason="收入稳定")
    Case.objects.filter(pk=case.pk).update(state_since=timezone.now() - dt.timedelta(days=days))
    return case


def test_province_sweep_uses_each_countys_own_stuck_days(village: Any, sibling_county: Any) -> None:
    other_village = (
        sibling_county.children.order_by("code").first().children.order_by("code").first()
    )
    here = _aged_exit_case(village, 15)
    there = _aged_exit_case(other_village, 15)
    Parameter.objects.create(key="rules.R201.days", region_code=village.code[:6], value=10)
    results = {r.rule: r for r in engine.sweep(region_code=village.code[:2], codes=["R201"])}
    assert results["R201"].opened == 1
    assert Alert.objects.filter(rule_code="R201", subject_id=here.pk).exists()
    assert not Alert.objects.filter(rule_code="R201", subject_id=there.pk).exists()
