"""Inspection writes: groups, plans, visits, and findings that become alerts (with the 督办 issued
at once when the actor may)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import Grant, User
from fupin.core.access import Actor, Perm
from fupin.core.errors import FupinError, NotFound, ValidationFailed
from fupin.core.text import clean_text
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.supervision.alerts.flows import FLOW
from fupin.supervision.alerts.models import Alert
from fupin.supervision.alerts.services import alert_open
from fupin.supervision.inspections.common import RULE_CODE, RULE_NAME, Frequency
from fupin.supervision.inspections.models import (
    Finding,
    InspectionGroup,
    InspectionPlan,
    InspectionVisit,
)
from fupin.supervision.inspections.selectors import (
    access_group,
    access_plan,
    access_visit,
)
from fupin.workflows import engine


def writable_region(actor: Actor, code: str, message: str) -> Region:
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require_write(Perm.ALERT_ACT, region.code, message)
    return region


@transaction.atomic
def inspection_group_create(
    *,
    actor: Actor,
    region_code: str,
    name: str,
    leader_name: str,
    member_ids: Iterable[int] = (),
    member_names: str = "",
) -> InspectionGroup:
    """A 督查组 of a unit (region): members are platform users holding a grant inside the
    region, and/or names of people without a login."""
    region = writable_region(actor, region_code, "只读角色不能组建督查组")
    name = clean_text(name, "name", "督查组名称", 100)
    leader_name = clean_text(leader_name, "leader_name", "组长", 50)
    names = "、".join(
        n.strip() for n in (member_names or "").replace(",", "、").replace("，", "、").split("、")
        if n.strip()
    )  # fmt: skip
    names = clean_text(names, "member_names", "成员姓名", 500, required=False)
    ids = sorted({int(i) for i in member_ids})
    users = list(User.objects.filter(pk__in=ids))
    allowed = set(
        Grant.objects.filter(user_id__in=ids, region__code__startswith=region.code).values_list(
            "user_id", flat=True
        )
    )
    if len(users) != len(ids) or any(u.pk not in allowed for u in users):
        raise ValidationFailed(
            "督查组成员须为本区划内的用户", errors={"members": ["成员须为本区划内的用户"]}
        )
    if not users and not names:
        raise ValidationFailed("请至少添加一名成员", errors={"members": ["请至少添加一名成员"]})
    if InspectionGroup.objects.filter(region_code=region.code, name=name).exists():
        raise ValidationFailed("本区划已有同名督查组", errors={"name": ["已有同名督查组"]})
    group = InspectionGroup.objects.create(
        name=name,
        region=region,
        region_code=region.code,
        leader_name=leader_name,
        member_names=names,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    group.members.set(users)
    return group


@transaction.atomic
def inspection_plan_create(
    *,
    actor: Actor,
    group_id: int,
    title: str,
    frequency: str,
    start_date: dt.date,
    end_date: dt.date,
    target_codes: Iterable[str],
    focus: str = "",
) -> InspectionPlan:
    group = access_group(actor, group_id)
    actor.require_write(Perm.ALERT_ACT, group.region_code, "只读角色不能制定督查计划")
    title = clean_text(title, "title", "计划名称", 200)
    if frequency not in Frequency.values:
        raise ValidationFailed("请选择督查频次", errors={"frequency": ["请选择督查频次"]})
    if end_date < start_date:
        raise ValidationFailed(
            "结束日期不能早于开始日期", errors={"end_date": ["不能早于开始日期"]}
        )
    if (end_date - start_date).days > 366 * 2:
        raise ValidationFailed("督查计划跨度不能超过两年", errors={"end_date": ["跨度过长"]})
    codes = sorted({c.strip() for c in target_codes if c and c.strip()})
    if not codes:
        raise ValidationFailed("请选择督查对象", errors={"targets": ["请至少选择一个督查对象"]})
    targets = list(Region.objects.filter(code__in=codes))
    if len(targets) != len(codes) or any(
        not t.code.startswith(group.region_code) or t.code == group.region_code for t in targets
    ):
        raise ValidationFailed(
            "督查对象须为督查组所在区划的下级区划", errors={"targets": ["督查对象不在本区划内"]}
        )
    plan = InspectionPlan.objects.create(
        group=group,
        region_code=group.region_code,
        title=title,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
        focus=clean_text(focus, "focus", "督查重点", 2000, required=False),
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    plan.targets.set(targets)
    return plan


@transaction.atomic
def inspection_visit_record(
    *,
    actor: Actor,
    plan_id: int,
    region_code: str,
    visited_on: dt.date,
    summary: str = "",
    today: dt.date | None = None,
) -> InspectionVisit:
    """A visit to a target of the plan (or a place inside one) within the plan's dates."""
    today = today or timezone.localdate()
    plan = access_plan(actor, plan_id)
    actor.require_write(Perm.ALERT_ACT, plan.region_code, "只读角色不能登记督查情况")
    code = (region_code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None or not any(code.startswith(t.code) for t in plan.targets.all()):
        raise ValidationFailed(
            "督查地点须在计划的督查对象范围内", errors={"region": ["不在督查对象范围内"]}
        )
    if visited_on > today:
        raise ValidationFailed("督查日期不能晚于今天", errors={"visited_on": ["不能晚于今天"]})
    if not plan.start_date <= visited_on <= plan.end_date:
        raise ValidationFailed(
            f"督查日期应在计划期内（{plan.start_date:%Y-%m-%d} 至 {plan.end_date:%Y-%m-%d}）",
            errors={"visited_on": ["不在计划期内"]},
        )
    return InspectionVisit.objects.create(
        plan=plan,
        region=region,
        region_code=region.code,
        visited_on=visited_on,
        summary=clean_text(summary, "summary", "督查情况", 5000, required=False),
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )


def _issue_notice(actor: Actor, alert: Alert, finding: Finding, today: dt.date) -> bool:
    """Issue the 督办 of a finding's alert at once when the actor holds a grant above the
    responsible unit; otherwise the alert stays 已分派待督办 with its due date set."""
    step = FLOW.step("issue_notice")
    grant = engine.acting_grant(actor, step.roles, step.levels, alert.region_code)
    if grant is None or len(grant.region_code) >= len(alert.unit_code) or finding.deadline <= today:
        return False
    try:
        with transaction.atomic():
            engine.case_transition(
                actor=actor,
                case_id=alert.case_id,
                step="issue_notice",
                comment="督查发现问题，限期整改",
                data={
                    "deadline": finding.deadline.isoformat(),
                    "content": f"督查发现问题：{finding.description}",
                    "requirement": "请立行立改、边查边改，于整改期限前完成整改，"
                    "并上传整改情况及佐证材料（照片、文件），逾期将升级督办。",
                },
                today=today,
            )
    except FupinError:
        return False
    return True


@transaction.atomic
def finding_record(
    *,
    actor: Actor,
    visit_id: int,
    description: str,
    deadline: dt.date,
    household_id: int | None = None,
    household_no: str = "",
    today: dt.date | None = None,
) -> Finding:
    """A problem found on a visit: one alert (rule INSPECT) with the deadline as its due date,
    the 督办 issued at once when the actor may (see `_issue_notice`)."""
    today = today or timezone.localdate()
    visit = access_visit(actor, visit_id)
    actor.require_write(Perm.ALERT_ACT, visit.region_code, "只读角色不能登记督查发现问题")
    description = clean_text(description, "description", "发现问题", 2000)
    if len(description) < 5:
        raise ValidationFailed(
            "请具体描述发现的问题（至少5个字）", errors={"description": ["至少5个字"]}
        )
    if deadline <= today:
        raise ValidationFailed("整改期限应晚于今天", errors={"deadline": ["应晚于今天"]})
    if (deadline - today).days > 366:
        raise ValidationFailed("整改期限不能超过一年", errors={"deadline": ["不能超过一年"]})
    household = None
    household_no = (household_no or "").strip()
    if household_id or household_no:
        found = Household.objects.filter(region_code__startswith=visit.region_code)
        if household_id:
            found = found.filter(pk=household_id)
        if household_no:
            found = found.filter(household_no=household_no)
        household = found.first()
        if household is None:
            raise ValidationFailed(
                "涉及农户须在督查地点范围内", errors={"household": ["农户不在督查地点内"]}
            )
    region_code = household.region_code if household else visit.region_code
    finding = Finding.objects.create(
        visit=visit,
        region_code=region_code,
        description=description,
        deadline=deadline,
        household=household,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    label = f"{visit.region.name}：{description}"
    if household is not None:
        label = f"{household.head_name}户：{description}"
    alert = alert_open(
        rule_code=RULE_CODE,
        rule_name=RULE_NAME,
        subject_type="finding",
        subject_id=finding.pk,
        scope_id=finding.pk,
        label=label[:200],
        region_code=region_code,
        unit_code=visit.region_code,
        severity="medium",
        evidence={
            "督查计划": visit.plan.title,
            "督查组": visit.plan.group.name,
            "督查地点": visit.region.name,
            "督查日期": visit.visited_on.isoformat(),
            "发现问题": description,
            "整改期限": deadline.isoformat(),
        },
        household_id=household.pk if household else None,
    )
    alert.due_date = deadline
    alert.save(update_fields=["due_date"])
    finding.alert = alert
    finding.save(update_fields=["alert"])
    _issue_notice(actor, alert, finding, today)
    return finding
