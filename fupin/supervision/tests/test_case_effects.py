"""A case that changes a household goes through the registry's services, so the household's
rules are re-checked in the request that decided it: an exit let through below the criteria
raises its alert at once, not at the nightly sweep."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fupin.core.rules import RULES
from fupin.registry import codes
from fupin.registry.models import Household, Member
from fupin.supervision import engine as sup_engine
from fupin.supervision.models import Alert
from fupin.testing import call, client_for
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import Officials, make_household, upload
from fupin.workflows.flows import household_exit
from fupin.workflows.models import Case, Transition

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

API = "/api/v1/cases"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


def act(actor: Any, case: Case, step: str, day: dt.date, **kw: Any) -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment="同意", today=day, **kw
    )


def test_exit_let_through_below_the_line_raises_r101_in_the_approving_request(
    officials: Officials, village: Any
) -> None:
    """ACCEPTANCE (issue 11): a household whose per-capita income is below the line, its
    exit overridden and approved: the request that marks it 已脱贫 leaves the R101 alert."""
    o = officials
    start = timezone.localdate() - dt.timedelta(days=40)
    household = make_household(o.village, village, income=Decimal("9000"))  # 3,000 a head
    case = services.exit_propose(actor=o.village, household_id=household.pk, reason="申请脱贫")
    act(o.village, case, "deliberate", start,
        data={"food_secure": True, "clothing_secure": True})  # fmt: skip
    engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
    case = act(o.village, case, "consent", start)
    case = household_exit.exit_criteria_override(
        actor=o.township, case_id=case.pk, version=case.version,
        reason="该户务工收入已稳定，年终结算后核实补录",
    )  # fmt: skip
    assert [f["code"] for f in case.override_failures] == ["income"]
    case = act(o.village, case, "publish_village", start)
    case = act(o.township, case, "township_approve", start + dt.timedelta(days=7))
    case = act(o.county, case, "county_approve", start + dt.timedelta(days=8))
    case = act(o.county, case, "publish_county", start + dt.timedelta(days=8))
    # A poor household below the line is no R101 subject (only exited ones are).
    assert not Alert.objects.filter(rule_code="R101", subject_id=household.pk).exists()

    response = call(
        client_for(o.county_user), "post", f"{API}/{case.pk}/transitions",
        {"step": "mark_exited", "version": case.version, "comment": "标注脱贫", "data": {}},
    )  # fmt: skip
    assert response.status_code == 200, response.content

    household.refresh_from_db()
    assert household.status == codes.Status.EXITED and household.exit_year == case.year
    alert = Alert.objects.get(rule_code="R101", subject_id=household.pk, is_open=True)
    assert alert.household_id == household.pk and alert.region_code == village.code
    assert Decimal(alert.evidence["人均纯收入"]) == Decimal("3000.00")


def test_identification_registers_through_the_registry_and_raises_its_rules(
    officials: Officials, village: Any
) -> None:
    """An applicant (识别中) is no rule subject; the county's 建档立卡 makes it 未脱贫 and
    its uninsured member raises R103 in the same transaction."""
    o = officials
    household = make_household(o.village, village, status=codes.Status.APPLICANT)
    Member.objects.filter(household=household, relation="son").update(insured_medical=False)
    case = engine.case_create(
        actor=o.village, kind="identification", region=village, household=household,
        title="识别", data={"reason": "因病"},
    )  # fmt: skip
    assert not Alert.objects.filter(rule_code="R103", household_id=household.pk).exists()
    Case.objects.filter(pk=case.pk).update(state="county_notice")  # the procedure is tested
    engine.case_system_transition(  # in the workflows app; here only its end counts
        case=engine.lock_case(case.pk), step="register", actor=o.county, comment="建档立卡"
    )
    assert Household.objects.get(pk=household.pk).status == codes.Status.POOR
    son = Member.objects.get(household=household, relation="son")
    assert Alert.objects.filter(rule_code="R103", subject_id=son.pk, is_open=True).exists()


def test_sweep_opens_alert_cases_through_the_workflows_bulk_piece(
    officials: Officials, village: Any
) -> None:
    """The sweep's cases (written by fupin.workflows.cases.bulk inside the sweep's one statement)
    are numbered and timelined like every system-opened case."""
    household = make_household(officials.village, village, housing_grade="D")  # on-change
    result = sup_engine.run_rule(RULES["R104"], region_code=village.code[:6])
    assert (result.opened, result.refreshed) == (0, 1)
    alert = Alert.objects.select_related("case").get(rule_code="R104", subject_id=household.pk)
    case = alert.case
    year = timezone.localdate().year
    assert re.fullmatch(rf"YJ-{village.code[:6]}-{year}-\d{{6}}", case.case_no)
    assert (case.kind, case.state, case.subject_level, case.channel) == (
        "alert", "assigned", "household", "system"
    )  # fmt: skip
    assert (case.region_code, case.county_code, case.year, case.version) == (
        village.code, village.code[:6], year, 1
    )  # fmt: skip
    assert case.is_open and case.household_id is None and case.override_failures == []
    assert case.title.startswith("建档立卡户住房为危房：")
    assert case.data == {"rule": "R104", "subject_id": household.pk}
    entry = Transition.objects.get(case=case)
    assert (entry.name, entry.label, entry.from_state, entry.to_state) == (
        "create", "系统预警", "", "assigned"
    )  # fmt: skip
    assert (entry.actor_id, entry.actor_name, entry.comment, entry.data) == (
        None, "系统", "建档立卡户住房为危房", {}
    )  # fmt: skip
