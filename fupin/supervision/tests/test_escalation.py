"""Overdue rectifications escalate one level up per overdue period: an Escalation record, a
timeline row, a new deadline and an inbox message to the next level."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.notifications.models import Message
from fupin.registry.models import Household, Member
from fupin.supervision import engine
from fupin.supervision.alerts import services
from fupin.supervision.models import Alert, Escalation
from fupin.workflows import engine as wf
from fupin.workflows.conftest import Officials, make_household
from fupin.workflows.models import Case, Transition

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
DUE = dt.date(2026, 6, 16)


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


def uninsured_alert(officials: Officials, village: Any) -> Alert:
    hh = make_household(officials.county, village, income=None, helper_name="王帮扶")
    wife = hh.members.get(relation="spouse")
    Member.objects.filter(pk=wife.pk).update(insured_medical=False)
    engine.sweep(region_code=village.code[:6], codes=["R103"])
    return Alert.objects.get(subject_id=wife.pk)


def noticed_alert(officials: Officials, village: Any) -> Alert:
    alert = uninsured_alert(officials, village)
    wf.case_transition(
        actor=officials.township, case_id=alert.case_id, step="issue_notice",
        data={"deadline": DUE.isoformat()}, today=TODAY,
    )  # fmt: skip
    alert.refresh_from_db()
    assert alert.due_date == DUE
    return alert


def test_overdue_alert_escalates_once_per_period(officials: Officials, village: Any) -> None:
    alert = noticed_alert(officials, village)
    township, county, city = village.code[:9], village.code[:6], village.code[:4]
    assert services.alerts_escalate_overdue(today=DUE).escalated == 0  # due today: not yet late
    first_day = DUE + dt.timedelta(days=1)
    assert services.alerts_escalate_overdue(today=first_day).escalated == 1
    assert services.alerts_escalate_overdue(today=first_day).escalated == 0  # once per period
    alert.refresh_from_db()
    assert alert.escalation_level == 1 and alert.escalated_at is not None
    new_due = first_day + dt.timedelta(days=15)
    assert alert.due_date == new_due and alert.case.state == "noticed"
    record = Escalation.objects.get(alert=alert)
    assert (record.from_code, record.to_code, record.overdue_days) == (township, county, 1)
    row = Transition.objects.filter(case_id=alert.case_id, name="escalate").get()
    assert row.actor_name == "系统" and "逾期 1 天" in row.comment
    assert (row.from_state, row.to_state) == ("noticed", "noticed")
    # The county poverty office (the next level) is told; nobody else.
    messages = Message.objects.filter(kind="alert.escalated")
    assert {m.recipient_id for m in messages} == {
        officials.county_user.pk, officials.county_user2.pk,
    }  # fmt: skip
    message = messages.first()
    assert message is not None
    assert "预警逾期升级" in message.title and new_due.isoformat() in message.body
    assert message.link == f"/supervision/alerts/{alert.pk}/"
    # Still not rectified after the new deadline: up again, to the city.
    assert services.alerts_escalate_overdue(today=new_due).escalated == 0
    later = new_due + dt.timedelta(days=3)
    assert services.alerts_escalate_overdue(today=later).escalated == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 2 and alert.due_date == later + dt.timedelta(days=15)
    second = Escalation.objects.filter(alert=alert).order_by("id").last()
    assert second is not None
    assert (second.from_code, second.to_code, second.overdue_days) == (county, city, 3)
    assert Transition.objects.filter(case_id=alert.case_id, name="escalate").count() == 2
    city_messages = Message.objects.filter(kind="alert.escalated", recipient=officials.city_user)
    assert city_messages.count() == 1
    assert Message.objects.filter(kind="alert.escalated").count() == 3


def test_only_noticed_and_overdue_alerts_escalate(officials: Officials, village: Any) -> None:
    assigned = uninsured_alert(officials, village)
    Alert.objects.filter(pk=assigned.pk).update(due_date=TODAY)  # no notice issued yet
    on_time = noticed_alert(officials, village)
    submitted = noticed_alert(officials, village)
    Alert.objects.filter(pk=submitted.pk).update(due_date=TODAY)
    Case.objects.filter(pk=submitted.case_id).update(state="submitted")
    closed = noticed_alert(officials, village)
    Alert.objects.filter(pk=closed.pk).update(due_date=TODAY, is_open=False)
    assert services.alerts_escalate_overdue(today=TODAY + dt.timedelta(days=1)).escalated == 0
    assert not Escalation.objects.exists() and not Message.objects.exists()
    on_time.refresh_from_db()
    assert on_time.escalation_level == 0


def test_escalation_of_a_township_unit_goes_county_then_city(
    officials: Officials, village: Any
) -> None:
    hh = make_household(officials.county, village, income=None, helper_name="王帮扶")
    Household.objects.filter(pk=hh.pk).update(housing_grade="D")
    engine.sweep(region_code=village.code[:6], codes=["R104"])
    alert = Alert.objects.get(rule_code="R104")
    wf.case_transition(
        actor=officials.county, case_id=alert.case_id, step="issue_notice",
        data={"deadline": DUE.isoformat()}, today=TODAY,
    )  # fmt: skip
    assert services.alerts_escalate_overdue(today=DUE + dt.timedelta(days=2)).escalated == 1
    record = Escalation.objects.get()
    assert (record.from_code, record.to_code) == (village.code[:6], village.code[:4])
    assert record.overdue_days == 2
    assert list(Message.objects.values_list("recipient_id", flat=True)) == [officials.city_user.pk]
