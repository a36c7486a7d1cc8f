"""防返贫监测: cadre reports with an explained risk score, public declarations linked by ID
number, verification with a category, inclusion, the observation period and the mark."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.registry import identity
from fupin.registry.models import Household, Member
from fupin.registry.tests.factories import id_number
from fupin.workflows import engine
from fupin.workflows.cases import risk, services
from fupin.workflows.conftest import make_household
from fupin.workflows.models import Case, Notice, NoticeLevel

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

DAY = dt.date(2026, 3, 2)


def act(
    actor: Any, case: Case, step: str, day: dt.date = DAY, comment: str = "同意", **kw: Any
) -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment=comment, today=day, **kw
    )


def report(o: Any, village: Any, **declared: Any) -> Case:
    household = make_household(o.village, village, status="exited", income=Decimal("15000"))
    return services.monitoring_report(
        actor=o.village,
        household_id=household.pk,
        declaration=services.Declaration(reason="户主住院，自付医疗费高", **declared),
    )


def test_cadre_report_scores_and_explains_the_risk(officials: Any, village: Any) -> None:
    o = officials
    case = report(o, village, risk_types=["medical"], medical_expense=Decimal("12000"))
    assert case.channel == "cadre" and case.case_no.startswith("JC-")
    assert case.data["risk_score"] == 55
    result = risk.score(case.household, case.data, case.year)
    triggered = {f.code: f for f in result.factors if f.triggered}
    assert set(triggered) == {"below_line", "medical"}
    assert "人均纯收入 5000.00 元，监测标准 6000 元" in triggered["below_line"].detail
    assert triggered["medical"].detail == "申报自付医疗支出 12000.00 元，预警线 10000 元"
    assert result.level == "高"
    with pytest.raises(PermissionDenied, match="须由村级"):
        services.monitoring_report(
            actor=o.township,
            household_id=case.household_id or 0,
            declaration=services.Declaration(reason="排查"),
        )
    with pytest.raises(ValidationFailed, match="风险类型无效"):
        report(o, village, risk_types=["flood"])


def test_small_expense_does_not_trigger(officials: Any, village: Any) -> None:
    household = make_household(officials.village, village, income=Decimal("30000"))
    result = risk.score(household, {"medical_expense": "9999.99"}, timezone.localdate().year)
    assert result.score == 0
    assert not next(f for f in result.factors if f.code == "medical").triggered


def test_full_monitoring_cycle(officials: Any, village: Any) -> None:
    o = officials
    case = report(o, village, risk_types=["medical"])
    with pytest.raises(ValidationFailed, match="请选择监测对象类别"):
        act(o.village, case, "verify", comment="核实属实")
    case = act(o.village, case, "verify", comment="核实属实", data={"category": "unstable"})
    assert case.data["category_label"] == "脱贫不稳定户"
    with pytest.raises(PermissionDenied, match="须由村级"):
        act(o.township, case, "deliberate")
    act(o.village, case, "deliberate", comment="评议同意纳入")
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.village, case, "township_review")
    act(o.township, case, "township_review")
    act(o.township, case, "publish")
    notice = Notice.objects.get()
    assert notice.level == NoticeLevel.TOWNSHIP and notice.entries.get().published["category"]
    with pytest.raises(ValidationFailed, match="乡镇公示期未满"):
        act(o.county, case, "confirm", dt.date(2026, 3, 8))
    with pytest.raises(PermissionDenied, match="须由县级扶贫办"):
        act(o.township, case, "confirm", dt.date(2026, 3, 9))
    case = act(o.county, case, "confirm", dt.date(2026, 3, 9))
    household = Household.objects.get(cases=case)
    assert household.monitoring_category == "unstable"
    assert household.monitoring_status == "monitored"

    with pytest.raises(ValidationFailed, match="请填写落实帮扶措施意见"):
        act(o.village, case, "assist", comment="")
    act(o.secretary, case, "assist", comment="落实医疗救助和公益岗位",
        data={"measures": "医疗救助、公益岗位"})  # fmt: skip
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.village, case, "risk_gone", comment="收入恢复")
    gone = dt.date(2026, 4, 30)
    case = act(o.township, case, "risk_gone", gone, "收入恢复")
    assert case.data["risk_gone_on"] == "2026-04-30"
    with pytest.raises(ValidationFailed) as exc:
        act(o.county, case, "clear", dt.date(2026, 10, 29))
    assert exc.value.message == (
        "风险消除观察期未满 6 个月：2026-04-30 核实风险消除，2026-10-30 起方可标注"
    )
    case = act(o.county, case, "clear", dt.date(2026, 10, 30))
    assert Household.objects.get(pk=household.pk).monitoring_status == "cleared"
    with pytest.raises(PermissionDenied, match="须由县级扶贫办"):
        act(o.township, case, "mark")
    case = act(o.county, case, "mark")
    assert case.state == "marked" and not case.is_open


def test_relapse_during_observation(officials: Any, village: Any) -> None:
    o = officials
    case = report(o, village)
    Case.objects.filter(pk=case.pk).update(state="observing", data={"risk_gone_on": "2026-01-01"})
    case = act(o.village, case, "relapse", comment="再次住院")
    assert case.state == "assisting"


def test_public_declaration_links_by_id_number(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village, status="exited", income=Decimal("15000"))
    head = Member.objects.get(household=household, relation="head")
    number = identity.reveal(head.id_cipher)
    case = services.declaration_submit(
        village_code=village.code,
        name="张大山",
        id_number=number,
        phone="13800001111",
        declaration=services.Declaration(reason="房屋被洪水冲毁", risk_types=["disaster"]),
    )
    assert case.household_id == household.pk and case.channel == "self"
    assert case.state == "declared" and case.created_by_id is None
    assert case.data["declarant"]["id_masked"] != number
    assert case.data["risk_score"] == 35 + 15  # below the line, disaster
    # A second declaration of a monitored household is kept unlinked, pointing at the
    # running case (refusing it would tell a stranger the number is registered here).
    again = services.declaration_submit(
        village_code=village.code, name="张大山", id_number=number, phone="13800001111",
        declaration=services.Declaration(reason="再次申报"),
    )  # fmt: skip
    assert again.household_id is None and again.data["duplicate_of"] == case.case_no


def test_unknown_declarant_is_linked_before_verification(officials: Any, village: Any) -> None:
    o = officials
    case = services.declaration_submit(
        village_code=village.code,
        name="王小二",
        id_number=id_number(village.code[:6], dt.date(1980, 1, 1)),
        phone="13800002222",
        declaration=services.Declaration(reason="务工受阻，收入骤减", risk_types=["unemployment"]),
    )
    assert case.household_id is None and case.data["risk_score"] == 10
    with pytest.raises(ValidationFailed, match="请先关联农户"):
        act(o.village, case, "verify", comment="核实", data={"category": "edge"})
    with pytest.raises(ValidationFailed, match="本村没有该户编号的农户"):
        services.case_household_link(
            actor=o.village, case_id=case.pk, version=case.version, household_no="nope"
        )
    household = make_household(o.village, village, status="ordinary", income=Decimal("15000"))
    case = services.case_household_link(
        actor=o.village, case_id=case.pk, version=case.version,
        household_no=household.household_no,
    )  # fmt: skip
    assert case.household_id == household.pk and case.data["risk_score"] == 45
    case = act(o.village, case, "verify", comment="核实", data={"category": "edge"})
    assert case.state == "verified"


def test_rejection_and_wrong_states(officials: Any, village: Any) -> None:
    o = officials
    case = report(o, village)
    with pytest.raises(ValidationFailed, match="当前环节“申报/预警”不能办理“确认风险消除”"):
        engine.case_transition(actor=o.county, case_id=case.pk, step="clear", version=case.version)
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.village, case, "reject", comment="不符合")
    case = act(o.county, case, "reject", comment="收入稳定，不予纳入")
    assert case.state == "rejected"
    assert Household.objects.get(cases=case).monitoring_status == ""


def test_system_scan_opens_cases_below_the_line(officials: Any, village: Any) -> None:
    year = timezone.localdate().year
    low = make_household(officials.village, village, status="exited", income=Decimal("9000"))
    make_household(officials.village, village, status="exited", income=Decimal("30000"))
    result = services.monitoring_scan(region_code=village.code[:6], year=year)
    assert result.created == 1
    case = Case.objects.get(kind="monitoring")
    assert case.household_id == low.pk and case.channel == "system"
    assert services.monitoring_scan(region_code=village.code[:6], year=year).created == 0
