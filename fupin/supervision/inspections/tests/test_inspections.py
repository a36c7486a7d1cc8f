"""Inspections (督查巡查): groups, plans and their schedules, visits, and findings that become
alerts with a rectification deadline, tracked on the plan page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.errors import NotFound, ValidationFailed
from fupin.supervision import inspections
from fupin.supervision.models import (
    Alert,
    Finding,
    InspectionGroup,
    InspectionPlan,
    InspectionVisit,
    SupervisionNotice,
)
from fupin.testing import Personas, assert_jurisdiction, client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def office(county_personas: Personas) -> Actor:
    return load_actor(county_personas.in_region)


@pytest.fixture
def group(office: Actor, county: Any, county_personas: Personas) -> InspectionGroup:
    return inspections.inspection_group_create(
        actor=office,
        region_code=county.code,
        name="脱贫攻坚第一督查组",
        leader_name="周德华",
        member_ids=[county_personas.in_region.pk],
        member_names="王建国、李秀英",
    )


@pytest.fixture
def plan(office: Actor, group: InspectionGroup, township: Any) -> InspectionPlan:
    return inspections.inspection_plan_create(
        actor=office,
        group_id=group.pk,
        title="巩固脱贫成果专项督查",
        frequency=InspectionPlan.Frequency.HALF_MONTH,
        start_date=TODAY - dt.timedelta(days=40),
        end_date=TODAY + dt.timedelta(days=40),
        target_codes=[township.code],
        focus="两不愁三保障、帮扶走访",
    )


@pytest.fixture
def visit(office: Actor, plan: InspectionPlan, township: Any) -> InspectionVisit:
    return inspections.inspection_visit_record(
        actor=office,
        plan_id=plan.pk,
        region_code=township.code,
        visited_on=TODAY - dt.timedelta(days=1),
        summary="走访12户，查阅帮扶手册",
    )


def test_half_month_schedule_dates(group: InspectionGroup, township: Any) -> None:
    plan = InspectionPlan(
        group=group,
        region_code=group.region_code,
        title="t",
        frequency=InspectionPlan.Frequency.HALF_MONTH,
        start_date=dt.date(2025, 1, 10),
        end_date=dt.date(2025, 3, 5),
    )
    assert inspections.schedule_dates(plan) == [
        dt.date(2025, 1, 10),
        dt.date(2025, 1, 16),
        dt.date(2025, 2, 1),
        dt.date(2025, 2, 16),
        dt.date(2025, 3, 1),
    ]
    plan.frequency = InspectionPlan.Frequency.MONTH
    assert inspections.schedule_dates(plan) == [
        dt.date(2025, 1, 10),
        dt.date(2025, 2, 1),
        dt.date(2025, 3, 1),
    ]
    plan.frequency = InspectionPlan.Frequency.QUARTER
    plan.end_date = dt.date(2025, 12, 31)
    assert inspections.schedule_dates(plan) == [
        dt.date(2025, 1, 10),
        dt.date(2025, 4, 1),
        dt.date(2025, 7, 1),
        dt.date(2025, 10, 1),
    ]
    plan.frequency = InspectionPlan.Frequency.ONCE
    assert inspections.schedule_dates(plan) == [dt.date(2025, 1, 10)]


def test_schedule_marks_done_and_missed_periods(
    office: Actor, group: InspectionGroup, township: Any
) -> None:
    plan = inspections.inspection_plan_create(
        actor=office,
        group_id=group.pk,
        title="半月督查",
        frequency=InspectionPlan.Frequency.HALF_MONTH,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 2, 28),
        target_codes=[township.code],
    )
    village = township.children.order_by("code").first()
    inspections.inspection_visit_record(
        actor=office, plan_id=plan.pk, region_code=village.code, visited_on=dt.date(2025, 1, 20)
    )
    page = inspections.plan_page(office, plan.pk, today=dt.date(2025, 2, 10))
    (row,) = page.schedule
    assert [p.start for p in row.periods] == [
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 16),
        dt.date(2025, 2, 1),
        dt.date(2025, 2, 16),
    ]
    assert [p.state for p in row.periods] == ["missed", "done", "due", "upcoming"]
    assert row.done == 1


def test_a_finding_opens_one_alert_with_the_deadline_and_issues_the_notice(
    office: Actor, county_personas: Personas, plan: InspectionPlan, visit: InspectionVisit
) -> None:
    deadline = TODAY + dt.timedelta(days=10)
    finding = inspections.finding_record(
        actor=office,
        visit_id=visit.pk,
        description="3户帮扶手册未更新，帮扶责任人两月未入户",
        deadline=deadline,
    )
    alerts = Alert.objects.filter(rule_code="INSPECT")
    assert alerts.count() == 1
    alert = alerts.get()
    assert finding.alert == alert and alert.subject_id == finding.pk
    assert alert.due_date == deadline and alert.unit_code == visit.region_code
    assert alert.case.state == "noticed"  # the county office issued the 督办 at once
    notice = SupervisionNotice.objects.get(alert=alert)
    assert notice.deadline == deadline and "帮扶手册" in notice.content
    # The plan page lists the finding with its alert's state.
    html = (
        client_for(county_personas.read_only)
        .get(reverse("supervision:inspection_plan", args=[plan.pk]))
        .content.decode()
    )
    assert "3户帮扶手册未更新" in html and "限期整改" in html and "已督办待整改" in html
    assert deadline.strftime("%Y-%m-%d") in html
    assert "登记发现问题" not in html  # read-only: no write buttons


def test_finding_validation(office: Actor, visit: InspectionVisit) -> None:
    with pytest.raises(ValidationFailed, match="整改期限应晚于今天"):
        inspections.finding_record(
            actor=office, visit_id=visit.pk, description="问题描述足够长", deadline=TODAY
        )
    with pytest.raises(ValidationFailed, match="涉及农户须在督查地点范围内"):
        inspections.finding_record(
            actor=office,
            visit_id=visit.pk,
            description="问题描述足够长",
            deadline=TODAY + dt.timedelta(days=5),
            household_no="不存在的户",
        )
    assert not Finding.objects.exists() and not Alert.objects.exists()


def test_plan_and_visit_validation(
    office: Actor, group: InspectionGroup, plan: InspectionPlan, sibling_county: Any
) -> None:
    with pytest.raises(ValidationFailed, match="督查对象须为督查组所在区划的下级区划"):
        inspections.inspection_plan_create(
            actor=office,
            group_id=group.pk,
            title="越界计划",
            frequency="month",
            start_date=TODAY,
            end_date=TODAY,
            target_codes=[sibling_county.code],
        )
    with pytest.raises(ValidationFailed, match="结束日期不能早于开始日期"):
        inspections.inspection_plan_create(
            actor=office,
            group_id=group.pk,
            title="日期错误",
            frequency="month",
            start_date=TODAY,
            end_date=TODAY - dt.timedelta(days=1),
            target_codes=[plan.targets.get().code],
        )
    with pytest.raises(ValidationFailed, match="督查日期应在计划期内"):
        inspections.inspection_visit_record(
            actor=office,
            plan_id=plan.pk,
            region_code=plan.targets.get().code,
            visited_on=plan.start_date - dt.timedelta(days=1),
        )
    with pytest.raises(NotFound):
        inspections.inspection_group_create(
            actor=office,
            region_code=sibling_county.code,
            name="越界组",
            leader_name="某",
            member_names="某某",
        )


def test_pages_and_forms(county_personas: Personas, plan: InspectionPlan, township: Any) -> None:
    client = client_for(county_personas.in_region)
    html = client.get(reverse("supervision:inspections")).content.decode()
    assert "巩固脱贫成果专项督查" in html and "脱贫攻坚第一督查组" in html and "王建国" in html
    response = client.post(
        reverse("supervision:inspection_visit_new", args=[plan.pk]),
        {"region": township.code, "visited_on": TODAY.isoformat(), "summary": "入户核查"},
    )
    assert response.status_code == 302
    visit = InspectionVisit.objects.get(plan=plan)
    url = reverse("supervision:finding_new", args=[visit.pk])
    response = client.post(url, {"description": "短", "deadline": TODAY.isoformat()})
    assert response.status_code == 422 and "请具体描述发现的问题" in response.content.decode()
    deadline = (TODAY + dt.timedelta(days=7)).isoformat()
    response = client.post(url, {"description": "村务公开栏未公示扶贫项目", "deadline": deadline})
    assert response.status_code == 302
    html = client.get(reverse("supervision:inspection_plan", args=[plan.pk])).content.decode()
    assert "村务公开栏未公示扶贫项目" in html and "已督办待整改" in html
    assert 'data-state="done"' in html


def test_jurisdiction(
    county_personas: Personas, county: Any, group: InspectionGroup, plan: InspectionPlan,
    visit: InspectionVisit, township: Any,
) -> None:  # fmt: skip
    assert_jurisdiction(
        county_personas, "get", f"{reverse('supervision:inspections')}?region={county.code}"
    )
    assert_jurisdiction(
        county_personas, "get", reverse("supervision:inspection_plan", args=[plan.pk])
    )
    new_group = reverse("supervision:inspection_group_new")
    assert_jurisdiction(county_personas, "get", f"{new_group}?region={county.code}", write=True)
    assert_jurisdiction(
        county_personas,
        "post",
        new_group,
        {
            "region": county.code,
            "name": "第二督查组",
            "leader_name": "陈国平",
            "member_names": "张三",
        },
        ok=(302,),
    )
    new_plan = reverse("supervision:inspection_plan_new")
    assert_jurisdiction(county_personas, "get", f"{new_plan}?group={group.pk}", write=True)
    body = {
        "group": group.pk,
        "title": "每月督查",
        "frequency": "month",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=60)).isoformat(),
        "targets": [township.code],
    }
    assert_jurisdiction(county_personas, "post", new_plan, body, ok=(302,))
    visit_url = reverse("supervision:inspection_visit_new", args=[plan.pk])
    assert_jurisdiction(county_personas, "get", visit_url, write=True)
    body = {"region": township.code, "visited_on": TODAY.isoformat()}
    assert_jurisdiction(county_personas, "post", visit_url, body, ok=(302,))
    finding_url = reverse("supervision:finding_new", args=[visit.pk])
    assert_jurisdiction(county_personas, "get", finding_url, write=True)
    body = {
        "description": "危房改造资料不全",
        "deadline": (TODAY + dt.timedelta(days=9)).isoformat(),
    }
    assert_jurisdiction(county_personas, "post", finding_url, body, ok=(302,))
    assert Finding.objects.filter(visit=visit).count() == 1
    assert Alert.objects.filter(rule_code="INSPECT").count() == 1
