"""识别 ("两公示一公告"): every step by the right level, the wrong level refused, both notices
and the county announcement, rejection, objections sending the case back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.registry.models import Household
from fupin.registry.tests.factories import family, household_data
from fupin.testing import make_user
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.models import Case, Notice, NoticeEntry, NoticeLevel, Objection
from fupin.workflows.notices import services as notices

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def apply(o: Any, village: Any) -> Case:
    return services.identification_apply(
        actor=o.village,
        village_code=village.code,
        data=household_data("", main_cause="illness"),
        members=family(village.code[:6]),
        reason="因病致贫，申请纳入",
    )


def act(actor: Any, case: Case, step: str, day: dt.date = DAY, comment: str = "同意") -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment=comment, today=day
    )


def to_village_notice(o: Any, case: Case, day: dt.date = DAY) -> Case:
    act(o.village, case, "group_review", day)
    act(o.secretary, case, "verify", day, "入户核实属实")
    return act(o.village, case, "publish_village", day)


def test_application_enters_an_applicant_household(officials: Any, village: Any) -> None:
    case = apply(officials, village)
    assert case.state == "applied" and case.is_open
    assert case.case_no.startswith(f"SB-{village.code[:6]}-")
    assert case.household is not None
    assert case.household.status == "applicant"
    assert case.transitions.get().label == "发起"


def test_only_village_cadres_open_an_identification(officials: Any, village: Any) -> None:
    o = officials
    for actor in (o.township, o.county):
        with pytest.raises(PermissionDenied, match="须由村级"):
            apply_as(actor, village)
    with pytest.raises(PermissionDenied):
        apply_as(o.discipline, village)
    assert not Case.objects.exists()


def apply_as(actor: Any, village: Any) -> Case:
    return services.identification_apply(
        actor=actor,
        village_code=village.code,
        data=household_data(""),
        members=family(village.code[:6]),
        reason="申请",
    )


def test_full_identification_registers_the_household(officials: Any, village: Any) -> None:
    o = officials
    case = apply(o, village)
    case = to_village_notice(o, case)
    village_notice = Notice.objects.get(level=NoticeLevel.VILLAGE)
    assert village_notice.region_code == village.code
    assert (village_notice.start_date, village_notice.end_date) == (DAY, dt.date(2026, 3, 8))
    entry = village_notice.entries.get()
    assert entry.published["head"] != case.household.head_name  # type: ignore[union-attr]
    assert "*" in entry.published["id"]

    case = act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    case = act(o.township, case, "publish_township", dt.date(2026, 3, 9))
    township_notice = Notice.objects.get(level=NoticeLevel.TOWNSHIP)
    assert township_notice.region_code == village.code[:9]
    with pytest.raises(ValidationFailed, match="乡镇公示期未满"):
        act(o.county, case, "county_approve", dt.date(2026, 3, 15))
    case = act(o.county, case, "county_approve", dt.date(2026, 3, 16))
    case = act(o.county, case, "publish_county", dt.date(2026, 3, 16))
    county_notice = Notice.objects.get(level=NoticeLevel.COUNTY)
    assert county_notice.region_code == village.code[:6]
    assert "公告" in county_notice.title
    with pytest.raises(ValidationFailed, match="县级公告期未满"):
        act(o.county, case, "register", dt.date(2026, 3, 22))
    case = act(o.county, case, "register", dt.date(2026, 3, 23))

    assert case.state == "registered" and not case.is_open and case.closed_at is not None
    household = Household.objects.get(cases=case)
    assert household.status == "poor" and household.identified_year == case.year
    names = list(case.transitions.order_by("id").values_list("name", flat=True))
    assert names == [
        "create", "group_review", "verify", "publish_village", "township_approve",
        "publish_township", "county_approve", "publish_county", "register",
    ]  # fmt: skip
    with pytest.raises(ValidationFailed, match="不能办理"):
        engine.case_transition(
            actor=o.county, case_id=case.pk, step="register", version=case.version, today=DAY
        )


def test_rejection_makes_an_ordinary_household(officials: Any, village: Any) -> None:
    o = officials
    case = apply(o, village)
    act(o.village, case, "group_review")
    with pytest.raises(ValidationFailed, match="请填写不予识别意见"):
        act(o.township, case, "reject", comment="  ")
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.village, case, "reject", comment="不符合条件")
    case = act(o.township, case, "reject", comment="家庭收入高于标准")
    assert case.state == "rejected" and not case.is_open
    assert Household.objects.get(cases=case).status == "ordinary"
    assert case.transitions.last().comment == "家庭收入高于标准"  # type: ignore[union-attr]


def test_county_rejects_after_the_township_notice(officials: Any, village: Any) -> None:
    o = officials
    case = to_village_notice(o, apply(o, village))
    act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    act(o.township, case, "publish_township", dt.date(2026, 3, 9))
    with pytest.raises(PermissionDenied, match="须由县级扶贫办"):
        act(o.township, case, "county_reject", comment="不符合")
    case = act(o.county, case, "county_reject", comment="抽查发现有商品房")
    assert case.state == "rejected"
    assert Household.objects.get(cases=case).status == "ordinary"


def test_every_step_refuses_the_wrong_level(officials: Any, village: Any) -> None:
    o = officials
    case = apply(o, village)
    with pytest.raises(PermissionDenied, match="“村民小组评议”须由村级"):
        act(o.township, case, "group_review")
    act(o.village, case, "group_review")
    with pytest.raises(PermissionDenied, match="须由村级"):
        act(o.county, case, "verify")
    act(o.secretary, case, "verify")
    with pytest.raises(PermissionDenied, match="须由村级"):
        act(o.township, case, "publish_village")
    act(o.village, case, "publish_village")
    late = dt.date(2026, 3, 9)
    for actor in (o.village, o.county, o.city):
        with pytest.raises(PermissionDenied, match="“乡镇审核通过”须由乡镇"):
            act(actor, case, "township_approve", late)
    act(o.township, case, "township_approve", late)
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.secretary, case, "publish_township", late)
    act(o.township, case, "publish_township", late)
    later = dt.date(2026, 3, 16)
    for actor in (o.township, o.province):
        with pytest.raises(PermissionDenied, match="“县审批通过”须由县级扶贫办"):
            act(actor, case, "county_approve", later)
    act(o.county2, case, "county_approve", later)
    with pytest.raises(PermissionDenied, match="须由县级扶贫办"):
        act(o.township, case, "publish_county", later)
    act(o.county, case, "publish_county", later)
    with pytest.raises(PermissionDenied, match="须由县级扶贫办"):
        act(o.village, case, "register", dt.date(2026, 3, 23))
    assert act(o.county, case, "register", dt.date(2026, 3, 23)).state == "registered"


def test_read_only_and_out_of_region_actors(officials: Any, village: Any, township: Any) -> None:
    o = officials
    case = apply(o, village)
    with pytest.raises(PermissionDenied):
        act(o.discipline, case, "group_review")
    other_village = township.children.exclude(code=village.code).order_by("code").first()
    neighbour = load_actor(make_user("cun2", ("village", other_village.code)))
    with pytest.raises(NotFound):
        act(neighbour, case, "group_review")
    sibling = load_actor(make_user("sib", ("poverty_office", "510903")))
    with pytest.raises(NotFound):
        act(sibling, case, "group_review")
    assert Case.objects.get(pk=case.pk).state == "applied"


def test_wrong_state_and_stale_version(officials: Any, village: Any) -> None:
    o = officials
    case = apply(o, village)
    with pytest.raises(ValidationFailed, match="当前环节“农户申请”不能办理“入户核实”"):
        engine.case_transition(
            actor=o.village, case_id=case.pk, step="verify", version=case.version, comment="x"
        )
    with pytest.raises(Conflict, match="请刷新后查看"):  # no version: the case moved on
        act(o.village, case, "publish_village")
    with pytest.raises(ValidationFailed, match="办理操作“fly”不存在"):
        act(o.village, case, "fly")
    moved = act(o.village, case, "group_review")
    with pytest.raises(Conflict, match=r"已由cun于 .* 办理“村民小组评议”"):
        engine.case_transition(
            actor=o.secretary,
            case_id=case.pk,
            step="verify",
            version=moved.version - 1,
            comment="核实",
        )
    with pytest.raises(PermissionDenied, match="由系统自动办理"):
        act(o.township, case, "objection")


def test_comment_required_steps(officials: Any, village: Any) -> None:
    o = officials
    case = apply(o, village)
    with pytest.raises(ValidationFailed, match="请填写村民小组评议意见"):
        act(o.village, case, "group_review", comment="")
    act(o.village, case, "group_review")
    with pytest.raises(ValidationFailed, match="请填写入户核实意见"):
        act(o.village, case, "verify", comment=" ")


def test_township_return_goes_back_to_verification(officials: Any, village: Any) -> None:
    o = officials
    case = to_village_notice(o, apply(o, village))
    with pytest.raises(ValidationFailed, match="请填写乡镇退回重新核实意见"):
        act(o.township, case, "township_return", comment="")
    case = act(o.township, case, "township_return", comment="收入核算有误")
    assert case.state == "reviewed"
    # Re-verified and re-published, the case gets a new village notice period.
    act(o.village, case, "verify", dt.date(2026, 3, 5), "重新核实")
    act(o.village, case, "publish_village", dt.date(2026, 3, 5))
    with pytest.raises(ValidationFailed, match="公示期未满：公示至 2026-03-11"):
        act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    assert act(o.township, case, "township_approve", dt.date(2026, 3, 12)).state == (
        "township_approved"
    )


def test_objection_on_the_township_notice(officials: Any, village: Any) -> None:
    o = officials
    case = to_village_notice(o, apply(o, village))
    act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    act(o.township, case, "publish_township", dt.date(2026, 3, 9))
    notice = Notice.objects.get(level=NoticeLevel.TOWNSHIP)
    objection = notices.objection_submit(
        notice_id=notice.pk,
        data=notices.ObjectionInput(content="该户家中有小轿车一辆", name="村民"),
        today=dt.date(2026, 3, 10),
    )
    case.refresh_from_db()
    assert case.state == "reviewed"
    assert NoticeEntry.objects.get(notice=notice).withdrawn
    assert case.transitions.last().name == "objection"  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed, match="异议"):
        act(o.village, case, "verify", dt.date(2026, 3, 11), "核实")
    notices.objection_resolve(
        actor=o.village, objection_id=objection.pk, upheld=False, resolution="车辆为借用"
    )
    assert Objection.objects.get().status == "dismissed"
    act(o.village, case, "verify", dt.date(2026, 3, 11), "核实：车辆为亲戚借用")
    act(o.village, case, "publish_village", dt.date(2026, 3, 11))
    assert Notice.objects.filter(level=NoticeLevel.VILLAGE).count() == 2
