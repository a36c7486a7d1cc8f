"""The life of an alert through the workflow engine: 督办 notice by a superior, rectification
with evidence by the responsible unit, return, verification and 销号, closing a cleared alert;
read-only and out-of-region actors refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.accounts.selectors import load_actor
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.registry.models import Member
from fupin.supervision import engine
from fupin.supervision.alerts import services
from fupin.supervision.models import Alert, Rectification, SupervisionNotice
from fupin.testing import make_user
from fupin.workflows import engine as wf
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Transition

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def officials(db: Any, village: Any, settings: Any, tmp_path: Any) -> Officials:
    settings.MEDIA_ROOT = tmp_path
    return Officials(village)


def photo(name: str = "整改后.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 photo", content_type="image/jpeg")


def uninsured_alert(officials: Officials, village: Any) -> Alert:
    """An R103 alert (responsible unit: the village)."""
    hh = make_household(officials.county, village, income=None, helper_name="王帮扶")
    wife = hh.members.get(relation="spouse")
    Member.objects.filter(pk=wife.pk).update(insured_medical=False)
    engine.sweep(region_code=village.code[:6], codes=["R103"])
    alert = Alert.objects.get(rule_code="R103", subject_id=wife.pk)
    assert alert.unit_code == village.code and alert.case.state == "assigned"
    return alert


def step(actor: Any, alert: Alert, name: str, **kwargs: Any) -> Any:
    kwargs.setdefault("today", TODAY)
    return wf.case_transition(actor=actor, case_id=alert.case_id, step=name, **kwargs)


def test_issue_notice_only_by_a_superior(officials: Officials, village: Any) -> None:
    alert = uninsured_alert(officials, village)
    with pytest.raises(PermissionDenied) as refused:
        step(officials.village, alert, "issue_notice")
    assert "下发督办通知" in refused.value.message
    with pytest.raises(ValidationFailed, match="整改期限应晚于今天"):
        step(officials.township, alert, "issue_notice", data={"deadline": TODAY.isoformat()})
    case = step(
        officials.township, alert, "issue_notice",
        data={"deadline": "2026-06-20", "content": "请核实成员参保情况并补办医保"},
        comment="限期整改",
    )  # fmt: skip
    assert case.state == "noticed"
    notice = SupervisionNotice.objects.get(alert=alert)
    township_name = officials.township.grants[0].region_name
    assert re.fullmatch(rf"{township_name}扶督〔2026〕\d+号", notice.notice_no), notice.notice_no
    assert notice.deadline == dt.date(2026, 6, 20) and notice.issued_on == TODAY
    assert notice.unit_code == village.code and notice.unit_name == village.name
    assert notice.content == "请核实成员参保情况并补办医保" and notice.requirement
    alert.refresh_from_db()
    assert alert.due_date == dt.date(2026, 6, 20)
    assert case.data["notice_no"] == notice.notice_no
    row = Transition.objects.filter(case_id=alert.case_id, name="issue_notice").get()
    assert row.to_state == "noticed" and row.data["deadline"] == "2026-06-20"


def test_issue_notice_default_deadline_and_by_the_county(
    officials: Officials, village: Any
) -> None:
    alert = uninsured_alert(officials, village)
    step(officials.county, alert, "issue_notice")
    alert.refresh_from_db()
    assert alert.due_date == TODAY + dt.timedelta(days=15)
    notice = alert.notices.get()
    assert "扶督〔2026〕" in notice.notice_no and notice.issuer_code == village.code[:6]
    assert "经预警监测发现" in notice.content


def test_rectify_return_resubmit_verify(officials: Officials, village: Any) -> None:
    alert = uninsured_alert(officials, village)
    with pytest.raises(ValidationFailed, match="只有已督办待整改的预警"):
        services.rectification_submit(
            actor=officials.village, alert_id=alert.pk, content="已补办医保手续", files=[photo()]
        )
    step(officials.township, alert, "issue_notice")
    with pytest.raises(ValidationFailed, match="请先填写整改情况"):
        step(officials.village, alert, "submit")
    services.rectification_submit(
        actor=officials.village, alert_id=alert.pk, content="已联系镇医保站补办参保手续"
    )
    with pytest.raises(ValidationFailed, match="请上传整改佐证材料"):
        step(officials.village, alert, "submit")
    with pytest.raises(ValidationFailed, match="佐证材料请上传照片"):
        services.rectification_submit(
            actor=officials.village, alert_id=alert.pk, content="已补办医保手续",
            files=[SimpleUploadedFile("run.exe", b"MZ")],
        )  # fmt: skip
    rect = services.rectification_submit(
        actor=officials.village, alert_id=alert.pk, content="已补办参保手续，附缴费凭证照片",
        files=[photo()],
    )  # fmt: skip
    assert Rectification.objects.filter(alert=alert).count() == 1  # amended, not doubled
    assert rect.files.get().is_photo
    # Only the responsible unit submits: the township is the superior here.
    with pytest.raises(ValidationFailed, match="须由责任单位办理"):
        step(officials.township, alert, "submit")
    assert step(officials.secretary, alert, "submit").state == "submitted"
    # The superior returns it with a reason.
    with pytest.raises(ValidationFailed, match="请填写退回重新整改意见"):
        step(officials.township, alert, "return")
    with pytest.raises(PermissionDenied, match="退回重新整改"):
        step(officials.village, alert, "return", comment="照片不清楚")
    assert step(officials.township, alert, "return", comment="照片不清楚").state == "noticed"
    rect.refresh_from_db()
    assert rect.result == Rectification.Result.RETURNED and rect.verification == "照片不清楚"
    assert rect.verified_by_id == officials.township_user.pk
    # A returned rectification is not resubmitted as such: a new one is needed.
    with pytest.raises(ValidationFailed, match="请先填写整改情况"):
        step(officials.village, alert, "submit")
    services.rectification_submit(
        actor=officials.village, alert_id=alert.pk, content="已重新拍摄清晰的参保凭证",
        files=[photo("凭证.jpg")],
    )  # fmt: skip
    step(officials.village, alert, "submit")
    case = step(officials.township, alert, "verify", comment="核验属实，同意销号")
    assert case.state == "closed" and not case.is_open
    alert.refresh_from_db()
    assert not alert.is_open
    results = list(alert.rectifications.order_by("id").values_list("result", flat=True))
    assert results == ["returned", "accepted"]
    names = list(
        Transition.objects.filter(case_id=alert.case_id)
        .order_by("at", "id")
        .values_list("name", flat=True)
    )
    assert names == ["create", "issue_notice", "submit", "return", "submit", "verify"]


def test_close_cleared_only_once_the_condition_is_gone(officials: Officials, village: Any) -> None:
    alert = uninsured_alert(officials, village)
    with pytest.raises(ValidationFailed, match="预警条件仍然存在"):
        step(officials.township, alert, "close_cleared", comment="已参保")
    Member.objects.filter(pk=alert.subject_id).update(insured_medical=True)
    engine.sweep(region_code=village.code[:6], codes=["R103"])
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    with pytest.raises(PermissionDenied):
        step(officials.village, alert, "close_cleared", comment="已参保")
    assert step(officials.township, alert, "close_cleared", comment="已参保").state == "closed"
    alert.refresh_from_db()
    assert not alert.is_open


def test_discipline_reads_only_and_sibling_county_sees_nothing(
    officials: Officials, village: Any, sibling_county: Any
) -> None:
    alert = uninsured_alert(officials, village)
    assert services.access_alert(officials.discipline, alert.pk) == alert
    with pytest.raises(PermissionDenied):
        step(officials.discipline, alert, "issue_notice")
    sibling = load_actor(make_user("sibling", ("poverty_office", sibling_county.code)))
    with pytest.raises(NotFound):
        step(sibling, alert, "issue_notice")
    with pytest.raises(NotFound):
        services.access_alert(sibling, alert.pk)
    step(officials.township, alert, "issue_notice")
    with pytest.raises(PermissionDenied):
        services.rectification_submit(
            actor=officials.discipline, alert_id=alert.pk, content="已补办参保手续",
            files=[photo()],
        )  # fmt: skip
    with pytest.raises(NotFound):
        services.rectification_submit(
            actor=sibling, alert_id=alert.pk, content="已补办参保手续", files=[photo()]
        )
    alert.refresh_from_db()
    assert alert.case.state == "noticed" and not alert.rectifications.exists()


def test_the_unit_itself_cannot_supervise_its_own_alert(officials: Officials, village: Any) -> None:
    """R104's responsible unit is the township: the 督办 comes from the county."""
    from fupin.registry.models import Household

    hh = make_household(officials.county, village, income=None, helper_name="王帮扶")
    Household.objects.filter(pk=hh.pk).update(housing_grade="D")
    engine.sweep(region_code=village.code[:6], codes=["R104"])
    alert = Alert.objects.get(rule_code="R104")
    with pytest.raises(ValidationFailed, match="须由责任单位的上级单位督办"):
        step(officials.township, alert, "issue_notice")
    assert step(officials.county, alert, "issue_notice").state == "noticed"
    with pytest.raises(ValidationFailed, match="须由责任单位办理"):
        step(officials.village, alert, "submit")
