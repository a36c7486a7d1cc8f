"""Notice rules: the period (both days counted, parameter `workflows.notice_days`), one notice
per place, stage and day, objections sending the case back, and the public objection window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.models import Parameter
from fupin.core.params import set_parameter
from fupin.registry.tests.factories import family, household_data
from fupin.testing import make_user
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import make_household, upload
from fupin.workflows.models import Case, Notice, NoticeEntry, NoticeLevel, Objection
from fupin.workflows.notices import services as notices

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

DAY1 = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def day(n: int) -> dt.date:
    return DAY1 + dt.timedelta(days=n - 1)


def act(actor: Any, case: Case, step: str, today: dt.date = DAY1, comment: str = "同意") -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment=comment, today=today
    )


def exit_case(o: Any, village: Any) -> Case:
    household = make_household(o.village, village)
    case = services.exit_propose(actor=o.village, household_id=household.pk, reason="收入达标")
    act(o.village, case, "deliberate", comment="评议通过")
    Case.objects.filter(pk=case.pk).update(
        data={"reason": "收入达标", "food_secure": True, "clothing_secure": True}
    )
    engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
    return act(o.village, case, "consent")


def published(o: Any, village: Any, today: dt.date = DAY1) -> Case:
    return act(o.village, exit_case(o, village), "publish_village", today)


def test_seven_days_both_counted(officials: Any, village: Any) -> None:
    o = officials
    case = published(o, village)
    notice = Notice.objects.get()
    assert (notice.start_date, notice.end_date) == (day(1), day(7))
    assert notices.is_running(notice, day(7)) and not notices.is_running(notice, day(8))
    for n in (6, 7):
        with pytest.raises(ValidationFailed) as exc:
            act(o.township, case, "township_approve", day(n))
        assert exc.value.message == (
            "村内公示期未满：公示至 2026-03-08 截止，2026-03-09 起方可办理"
        )
    assert act(o.township, case, "township_approve", day(8)).state == "township_approved"
    assert notices.notice_outcome(notice, day(8)) == "公示期满，无异议"
    assert notices.notice_outcome(notice, day(3)) == "公示中"


def test_parameter_override_shortens_the_period(officials: Any, village: Any, county: Any) -> None:
    o = officials
    admin = load_actor(make_user("canshu", ("region_admin", county.code)))
    set_parameter(actor=admin, key="workflows.notice_days", region_code=county.code, year=None,
                  value=3, reason="县委常委会决定缩短公示期")  # fmt: skip
    case = published(o, village)
    assert Notice.objects.get().end_date == day(3)
    with pytest.raises(ValidationFailed, match="公示至 2026-03-04 截止"):
        act(o.township, case, "township_approve", day(3))
    assert act(o.township, case, "township_approve", day(4)).state == "township_approved"


def test_override_of_another_county_does_not_apply(
    officials: Any, village: Any, sibling_county: Any
) -> None:
    Parameter.objects.create(key="workflows.notice_days", region_code=sibling_county.code,
                             value=3, note="其他县")  # fmt: skip
    published(officials, village)
    assert Notice.objects.get().end_date == day(7)


def test_same_day_same_village_share_one_notice(
    officials: Any, village: Any, township: Any
) -> None:
    o = officials
    first = published(o, village)
    second = published(o, village)
    notice = Notice.objects.get()
    assert notice.entries.count() == 2
    assert {e.case_id for e in notice.entries.all()} == {first.pk, second.pk}
    published(o, village, day(2))  # another day: another list
    other_village = township.children.exclude(code=village.code).order_by("code").first()
    other = load_actor(make_user("cun_b", ("village", other_village.code)))
    household = make_household(other, other_village)
    case = services.exit_propose(actor=other, household_id=household.pk, reason="收入达标")
    act(other, case, "deliberate", comment="评议通过")
    Case.objects.filter(pk=case.pk).update(
        data={"reason": "x", "food_secure": True, "clothing_secure": True}
    )
    engine.case_document_attach(actor=other, case=case, kind="consent", upload=upload())
    act(other, case, "consent")
    act(other, case, "publish_village")  # same day, other village: its own notice
    assert Notice.objects.count() == 3
    assert Notice.objects.filter(region_code=other_village.code, start_date=DAY1).count() == 1


def test_public_objection_sends_the_case_back(officials: Any, village: Any) -> None:
    o = officials
    case = published(o, village)
    notice = Notice.objects.get()
    with pytest.raises(ValidationFailed, match="请填写异议内容"):
        notices.objection_submit(
            notice_id=notice.pk, data=notices.ObjectionInput(content="不对"), today=day(3)
        )
    with pytest.raises(ValidationFailed, match="联系电话格式不正确"):
        notices.objection_submit(
            notice_id=notice.pk,
            data=notices.ObjectionInput(content="该户在城里有门面", phone="abc"),
            today=day(3),
        )
    objection = notices.objection_submit(
        notice_id=notice.pk,
        data=notices.ObjectionInput(
            content="该户在城里有门面出租", name="李四", phone="13900001234"
        ),
        today=day(3),
    )
    assert objection.source == "public" and objection.status == "pending"
    case.refresh_from_db()
    assert case.state == "deliberated"  # household_exit's objection_target
    entry = NoticeEntry.objects.get(notice=notice, case=case)
    assert entry.withdrawn and entry.withdrawn_reason == "收到异议，退回核实"
    last = case.transitions.order_by("-id").first()
    assert last is not None and last.name == "objection" and last.actor_name == "系统"
    assert notices.notice_outcome(notice, day(8)) == "公示期满，收到异议 1 件"

    # The pending objection blocks the next step until it is resolved.
    with pytest.raises(ValidationFailed, match="有尚未核实的公示异议"):
        act(o.village, case, "consent", day(4))
    with pytest.raises(ValidationFailed, match="请填写核实结论"):
        notices.objection_resolve(actor=o.village, objection_id=objection.pk, upheld=False,
                                  resolution=" ")  # fmt: skip
    notices.objection_resolve(actor=o.village, objection_id=objection.pk, upheld=False,
                              resolution="门面为亲属所有，与该户无关")  # fmt: skip
    with pytest.raises(ValidationFailed, match="该异议已核实"):
        notices.objection_resolve(actor=o.village, objection_id=objection.pk, upheld=True,
                                  resolution="再次核实")  # fmt: skip
    act(o.village, case, "consent", day(4))
    act(o.village, case, "publish_village", day(4))
    new = Notice.objects.exclude(pk=notice.pk).get()
    assert (new.start_date, new.end_date) == (day(4), day(10))
    with pytest.raises(ValidationFailed, match="公示至 2026-03-11 截止"):
        act(o.township, case, "township_approve", day(8))
    assert act(o.township, case, "township_approve", day(11)).state == "township_approved"


def test_pending_objection_blocks_the_step_after_the_notice(officials: Any, village: Any) -> None:
    o = officials
    case = published(o, village)
    notice = Notice.objects.get()
    # Registered against the case without sending it back (e.g. by phone, late):
    Objection.objects.create(notice=notice, case=case, county_code=notice.county_code,
                             source="staff", content="电话反映该户有车")  # fmt: skip
    with pytest.raises(ValidationFailed, match="该户有尚未核实的公示异议"):
        act(o.township, case, "township_approve", day(8))


def test_public_objection_only_during_the_period(officials: Any, village: Any) -> None:
    o = officials
    published(o, village)
    notice = Notice.objects.get()
    content = notices.ObjectionInput(content="该户收入不实，请核查")
    for today in (day(8), day(0)):
        with pytest.raises(ValidationFailed, match="不在公示期内"):
            notices.objection_submit(notice_id=notice.pk, data=content, today=today)
    # Staff may still register one (e.g. a letter received in time).
    objection = notices.objection_submit(
        notice_id=notice.pk, data=content, actor=o.village, today=day(8)
    )
    assert objection.source == "staff" and objection.created_by_id == o.village.user_id
    with pytest.raises(NotFound):
        notices.objection_submit(notice_id=0, data=content, today=day(2))


def test_objection_must_name_an_entry_of_a_shared_notice(officials: Any, village: Any) -> None:
    o = officials
    first = published(o, village)
    second = published(o, village)
    notice = Notice.objects.get()
    content = notices.ObjectionInput(content="该户收入不实，请核查")
    with pytest.raises(ValidationFailed, match="请选择异议针对的对象"):
        notices.objection_submit(notice_id=notice.pk, data=content, today=day(2))
    entry = notice.entries.get(case=second)
    content.entry_id = entry.pk
    notices.objection_submit(notice_id=notice.pk, data=content, today=day(2))
    assert Case.objects.get(pk=second.pk).state == "deliberated"
    assert Case.objects.get(pk=first.pk).state == "village_notice"
    assert list(notices.public_notices(village.code, day(2))) == [notice]
    assert list(notices.public_notices(village.code, day(8))) == []


def test_public_line_is_masked(officials: Any, village: Any) -> None:
    case = published(officials, village)
    line = NoticeEntry.objects.get(case=case).published
    assert line["head"] == "张*山"
    assert len(line["id"]) == 18 and line["id"][:3] == "510" and line["id"][3:16] == "*" * 13
    assert "phone" not in line and line["size"] == 3
    assert line["case_no"] == case.case_no


def test_identification_objection_resets_to_review(officials: Any, village: Any) -> None:
    from fupin.registry.tests.factories import family, household_data

    o = officials
    case = services.identification_apply(
        actor=o.village, village_code=village.code, data=household_data(""),
        members=family(village.code[:6]), reason="因病致贫",
    )  # fmt: skip
    act(o.village, case, "group_review")
    act(o.village, case, "verify", comment="核实")
    act(o.village, case, "publish_village")
    notice = Notice.objects.get(level=NoticeLevel.VILLAGE)
    notices.objection_submit(
        notice_id=notice.pk, data=notices.ObjectionInput(content="该户子女均有稳定工作"),
        today=day(5),
    )  # fmt: skip
    assert Case.objects.get(pk=case.pk).state == "reviewed"


def test_a_case_returned_during_its_notice_leaves_the_running_list(
    officials: Any, village: Any
) -> None:
    o = officials
    day = dt.date(2026, 3, 2)
    case = services.identification_apply(
        actor=o.village, village_code=village.code,
        data=household_data("", main_cause="illness"), members=family(village.code[:6]),
        reason="因病致贫，申请纳入",
    )  # fmt: skip
    engine.case_transition(
        actor=o.village, case_id=case.pk, step="group_review", comment="同意", today=day
    )
    engine.case_transition(
        actor=o.village, case_id=case.pk, step="verify", comment="属实", today=day
    )
    engine.case_transition(actor=o.village, case_id=case.pk, step="publish_village", today=day)
    engine.case_transition(
        actor=o.township, case_id=case.pk, step="township_return", comment="收入核算有误",
        today=day + dt.timedelta(days=2),
    )  # fmt: skip
    entry = NoticeEntry.objects.get(case=case)
    assert entry.withdrawn and "乡镇退回" in entry.withdrawn_reason
