"""贫困户退出: the full flow to 已脱贫, the consent document, the criteria guard and its
override by an authorised reviewer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.registry.models import Household, Member
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import make_household, upload
from fupin.workflows.flows import household_exit
from fupin.workflows.models import Case, Notice, NoticeLevel, Transition

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def act(
    actor: Any, case: Case, step: str, day: dt.date = DAY, comment: str = "同意", **kw: Any
) -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment=comment, today=day, **kw
    )


def propose(o: Any, village: Any, **fields: Any) -> Case:
    household = make_household(o.village, village, income=Decimal("21000"), **fields)
    return services.exit_propose(
        actor=o.village, household_id=household.pk, reason="收入稳定超过标准"
    )


def to_consented(o: Any, case: Case) -> Case:
    act(o.village, case, "deliberate", comment="评议通过",
        data={"food_secure": True, "clothing_secure": True})  # fmt: skip
    engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
    return act(o.village, case, "consent")


def test_full_exit_marks_the_household_exited(officials: Any, village: Any) -> None:
    o = officials
    case = propose(o, village)
    assert case.state == "proposed" and case.case_no.startswith("TC-")
    with pytest.raises(PermissionDenied, match="须由村级"):
        act(o.township, case, "deliberate")
    case = act(o.secretary, case, "deliberate", comment="评议通过",
               data={"food_secure": True, "clothing_secure": True, "ignored": 1})  # fmt: skip
    assert case.data["food_secure"] is True and "ignored" not in case.data
    with pytest.raises(ValidationFailed, match="请先上传“农户签字确认书”"):
        act(o.village, case, "consent")
    engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
    case = act(o.village, case, "consent")
    assert all(c.passed for c in household_exit.checklist(case))
    case = act(o.village, case, "publish_village")
    assert Decimal(case.data["per_capita"]) == Decimal("7000.00")
    with pytest.raises(ValidationFailed, match="村内公示期未满"):
        act(o.township, case, "township_approve", dt.date(2026, 3, 8))
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.county, case, "township_approve", dt.date(2026, 3, 9))
    case = act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    with pytest.raises(PermissionDenied, match="“县审定通过”须由县级扶贫办"):
        act(o.township, case, "county_approve", dt.date(2026, 3, 9))
    case = act(o.county, case, "county_approve", dt.date(2026, 3, 10))
    case = act(o.county, case, "publish_county", dt.date(2026, 3, 10))
    assert Notice.objects.get(level=NoticeLevel.COUNTY).end_date == dt.date(2026, 3, 16)
    with pytest.raises(ValidationFailed, match="县级公告期未满"):
        act(o.county, case, "mark_exited", dt.date(2026, 3, 16))
    case = act(o.county, case, "mark_exited", dt.date(2026, 3, 17))
    assert case.state == "exited" and not case.is_open
    household = Household.objects.get(cases=case)
    assert household.status == "exited" and household.exit_year == case.year


def test_consent_document_must_be_of_the_consent_kind(officials: Any, village: Any) -> None:
    o = officials
    case = propose(o, village)
    act(o.village, case, "deliberate", comment="评议通过")
    engine.case_document_attach(actor=o.village, case=case, kind="evidence", upload=upload())
    with pytest.raises(ValidationFailed, match="农户签字确认书"):
        act(o.village, case, "consent")
    with pytest.raises(ValidationFailed, match="材料格式不支持"):
        engine.case_document_attach(
            actor=o.village, case=case, kind="consent", upload=upload("a.exe", b"MZ")
        )
    with pytest.raises(PermissionDenied):
        engine.case_document_attach(actor=o.discipline, case=case, kind="consent", upload=upload())


def test_deliberation_without_food_and_clothing_blocks_publication(
    officials: Any, village: Any
) -> None:
    o = officials
    case = propose(o, village)
    act(o.village, case, "deliberate", comment="评议")
    engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
    act(o.village, case, "consent")
    with pytest.raises(ValidationFailed, match="未达到脱贫标准：不愁吃、不愁穿"):
        act(o.village, case, "publish_village")


def test_uninsured_member_blocks_until_overridden(officials: Any, village: Any) -> None:
    o = officials
    case = to_consented(o, propose(o, village))
    Member.objects.filter(household__cases=case, relation="son").update(insured_medical=False)
    with pytest.raises(ValidationFailed) as exc:
        act(o.village, case, "publish_village")
    assert "未达到脱贫标准：基本医疗有保障（全员参加医保）" in exc.value.message
    assert "须由乡镇或县级审核人员登记放行理由" in exc.value.message

    case.refresh_from_db()
    with pytest.raises(PermissionDenied, match="放行须由乡镇或县级审核人员办理"):
        household_exit.exit_criteria_override(
            actor=o.village, case_id=case.pk, version=case.version, reason="该成员已在外地参保"
        )
    with pytest.raises(PermissionDenied):
        household_exit.exit_criteria_override(
            actor=o.discipline, case_id=case.pk, version=case.version, reason="该成员已在外地参保"
        )
    with pytest.raises(ValidationFailed, match="至少10个字"):
        household_exit.exit_criteria_override(
            actor=o.township, case_id=case.pk, version=case.version, reason="外地参保"
        )
    with pytest.raises(Conflict):
        household_exit.exit_criteria_override(
            actor=o.township, case_id=case.pk, version=case.version - 1, reason="x" * 12
        )
    assert household_exit.can_override(o.township, case)
    assert household_exit.can_override(o.county, case)
    assert not household_exit.can_override(o.village, case)
    reason = "该成员在务工地参加城镇职工医保，已核实参保凭证"
    case = household_exit.exit_criteria_override(
        actor=o.township, case_id=case.pk, version=case.version, reason=reason
    )
    assert case.override_reason == reason
    assert case.override_by_id == o.township.user_id and case.override_at is not None
    assert [f["code"] for f in case.override_failures] == ["medical"]
    entry = Transition.objects.filter(case=case, name="override").get()
    assert entry.label == "登记未达标放行理由" and entry.comment == reason
    assert entry.from_state == entry.to_state == "consented"
    assert entry.data["failures"][0]["label"] == "基本医疗有保障（全员参加医保）"

    case = act(o.village, case, "publish_village")
    assert case.state == "village_notice"
    case = act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    assert case.state == "township_approved"


def test_override_refused_when_every_criterion_is_met(officials: Any, village: Any) -> None:
    o = officials
    case = to_consented(o, propose(o, village))
    with pytest.raises(ValidationFailed, match="各项脱贫标准均已达标，无需放行"):
        household_exit.exit_criteria_override(
            actor=o.county, case_id=case.pk, version=case.version, reason="县级复核同意继续办理"
        )


def test_income_below_the_line_blocks(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village, income=Decimal("9000"))
    case = services.exit_propose(actor=o.village, household_id=household.pk, reason="申请脱贫")
    to_consented(o, case)
    with pytest.raises(ValidationFailed, match="人均纯收入超过当年贫困标准"):
        act(o.village, case, "publish_village")


def test_only_poor_households_may_be_proposed(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village, status="exited")
    with pytest.raises(ValidationFailed, match="只有未脱贫户或返贫户可以提出脱贫"):
        services.exit_propose(actor=o.village, household_id=household.pk, reason="申请脱贫")
    poor = make_household(o.village, village)
    services.exit_propose(actor=o.village, household_id=poor.pk, reason="申请脱贫")
    with pytest.raises(ValidationFailed, match="已有办理中的“贫困户退出”"):
        services.exit_propose(actor=o.village, household_id=poor.pk, reason="再次申请")
    with pytest.raises(PermissionDenied, match="须由村级"):
        services.exit_propose(actor=o.township, household_id=poor.pk, reason="申请脱贫")


def test_returns_and_withdrawal(officials: Any, village: Any) -> None:
    o = officials
    case = to_consented(o, propose(o, village))
    act(o.village, case, "publish_village")
    case = act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    with pytest.raises(ValidationFailed, match="请填写县退回乡镇意见"):
        act(o.county, case, "county_return", comment="")
    case = act(o.county, case, "county_return", comment="收入核算依据不足")
    assert case.state == "deliberated"
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.village, case, "withdraw", comment="终止")
    case = act(o.county, case, "withdraw", comment="农户不同意退出")
    assert case.state == "withdrawn" and not case.is_open
    assert Household.objects.get(cases=case).status == "poor"
    with pytest.raises(ValidationFailed, match="办件已办结"):
        engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
