"""Inspections (督查巡查, SPEC §7): groups, plans with a schedule, visits and findings.

A finding becomes an alert (rule "INSPECT") whose due date is the finding's rectification
deadline; when the person recording it may issue the 督办 (a township or poverty-office grant
above the visited unit), the 督办 notice is issued at once through the workflow engine, so the
finding is tracked to closure like every alert: 边查边改 → 限期整改 → 跟踪销号.

Reads need Perm.ALERT_VIEW in the region, writes Perm.ALERT_ACT and a writable role.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from fupin.accounts.models import Grant, User
from fupin.core.access import Actor, Perm
from fupin.core.errors import FupinError, NotFound, ValidationFailed
from fupin.core.text import clean_text
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.workflows import engine

from .flows import FLOW
from .models import Alert, Finding, InspectionGroup, InspectionPlan, InspectionVisit
from .services import open_alert

RULE_CODE = "INSPECT"
RULE_NAME = "督查发现问题"
Frequency = InspectionPlan.Frequency

# The stage of a finding in "边查边改、限期整改、跟踪销号", from its alert's case state.
STAGES = {
    "assigned": ("边查边改", "待下发督办"),
    "noticed": ("限期整改", "已督办待整改"),
    "submitted": ("跟踪销号", "已提交整改待核验"),
    "closed": ("已销号", "核验通过已销号"),
}


# --- selectors -----------------------------------------------------------------------------------


def groups_for(actor: Actor) -> QuerySet[InspectionGroup]:
    return (
        InspectionGroup.objects.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))
        .select_related("region")
        .prefetch_related("members")
        .order_by("region_code", "name")
    )


def plans_for(actor: Actor) -> QuerySet[InspectionPlan]:
    return (
        InspectionPlan.objects.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))
        .select_related("group")
        .prefetch_related("targets")
        .order_by("-start_date", "-id")
    )


def access_group(actor: Actor, pk: int, perm: Perm = Perm.ALERT_VIEW) -> InspectionGroup:
    group = InspectionGroup.objects.select_related("region").filter(pk=pk).first()
    if group is None:
        raise NotFound()
    actor.require(perm, group.region_code)
    return group


def access_plan(actor: Actor, pk: int, perm: Perm = Perm.ALERT_VIEW) -> InspectionPlan:
    plan = InspectionPlan.objects.select_related("group").filter(pk=pk).first()
    if plan is None:
        raise NotFound()
    actor.require(perm, plan.region_code)
    return plan


def access_visit(actor: Actor, pk: int, perm: Perm = Perm.ALERT_VIEW) -> InspectionVisit:
    visit = InspectionVisit.objects.select_related("plan", "region").filter(pk=pk).first()
    if visit is None:
        raise NotFound()
    actor.require(perm, visit.plan.region_code)
    return visit


# --- schedule ------------------------------------------------------------------------------------


@dataclass
class Period:
    """One due visit of the schedule: the visit is due from `start` and done by `end`."""

    start: dt.date
    end: dt.date
    visits: list[InspectionVisit] = field(default_factory=list)
    state: str = ""  # done / missed / due / upcoming, set by `plan_schedule`

    @property
    def done(self) -> bool:
        return bool(self.visits)

    def state_on(self, today: dt.date) -> str:
        if self.visits:
            return "done"
        if self.end < today:
            return "missed"
        if self.start <= today:
            return "due"
        return "upcoming"


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def schedule_periods(frequency: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar periods of the frequency clipped to [start, end]: half months are the 1st–15th
    and the 16th–month end, months are calendar months, quarters calendar quarters."""
    if end < start:
        return []
    if frequency == Frequency.ONCE:
        return [(start, end)]
    out: list[tuple[dt.date, dt.date]] = []
    cursor = start
    while cursor <= end:
        if frequency == Frequency.HALF_MONTH:
            p_end = cursor.replace(day=15) if cursor.day <= 15 else _month_end(cursor)
        elif frequency == Frequency.MONTH:
            p_end = _month_end(cursor)
        else:  # quarter
            last_month = ((cursor.month - 1) // 3) * 3 + 3
            p_end = _month_end(cursor.replace(month=last_month, day=1))
        p_end = min(p_end, end)
        out.append((cursor, p_end))
        cursor = p_end + dt.timedelta(days=1)
    return out


def schedule_dates(plan: InspectionPlan) -> list[dt.date]:
    """The dates from which each scheduled visit is due (e.g. every half month: the start,
    then each 1st and 16th up to the end date)."""
    return [start for start, _ in schedule_periods(plan.frequency, plan.start_date, plan.end_date)]


@dataclass
class TargetSchedule:
    region: Region
    periods: list[Period]

    @property
    def done(self) -> int:
        return sum(1 for p in self.periods if p.done)


def plan_schedule(
    plan: InspectionPlan, visits: Sequence[InspectionVisit], today: dt.date | None = None
) -> list[TargetSchedule]:
    """Per target region, the scheduled periods and the visits (to the target or a place
    inside it) that fell in each."""
    today = today or timezone.localdate()
    rows = []
    for target in sorted(plan.targets.all(), key=lambda r: r.code):
        periods = [
            Period(s, e)
            for s, e in schedule_periods(plan.frequency, plan.start_date, plan.end_date)
        ]
        for visit in visits:
            if not visit.region_code.startswith(target.code):
                continue
            for period in periods:
                if period.start <= visit.visited_on <= period.end:
                    period.visits.append(visit)
                    break
        for period in periods:
            period.state = period.state_on(today)
        rows.append(TargetSchedule(region=target, periods=periods))
    return rows


# --- plan page -----------------------------------------------------------------------------------


@dataclass
class FindingRow:
    finding: Finding
    stage: str
    state_label: str
    state: str
    overdue: bool


@dataclass
class PlanPage:
    plan: InspectionPlan
    visits: list[InspectionVisit]
    schedule: list[TargetSchedule]
    findings: list[FindingRow]
    closed: int
    open: int
    overdue: int


def finding_row(finding: Finding, today: dt.date) -> FindingRow:
    alert = finding.alert
    state = alert.case.state if alert is not None else ""
    stage, label = STAGES.get(state, ("边查边改", "未转办"))
    overdue = bool(
        alert is not None and alert.is_open and alert.due_date and alert.due_date < today
    )
    return FindingRow(finding=finding, stage=stage, state_label=label, state=state, overdue=overdue)


def plan_page(actor: Actor, pk: int, today: dt.date | None = None) -> PlanPage:
    today = today or timezone.localdate()
    plan = access_plan(actor, pk)
    findings_qs = Finding.objects.select_related("alert__case", "household").order_by(
        "deadline", "id"
    )
    visits = list(
        plan.visits.select_related("region")
        .prefetch_related(Prefetch("findings", queryset=findings_qs))
        .order_by("visited_on", "id")
    )
    rows = [finding_row(f, today) for v in visits for f in v.findings.all()]
    return PlanPage(
        plan=plan,
        visits=visits,
        schedule=plan_schedule(plan, visits, today),
        findings=rows,
        closed=sum(1 for r in rows if r.state == "closed"),
        open=sum(1 for r in rows if r.state != "closed"),
        overdue=sum(1 for r in rows if r.overdue),
    )


# --- writes --------------------------------------------------------------------------------------


def writable_region(actor: Actor, code: str, message: str) -> Region:
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require_write(Perm.ALERT_ACT, region.code, message)
    return region


@transaction.atomic
def create_group(
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
def create_plan(
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
def record_visit(
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
            engine.transition(
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
def record_finding(
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
    alert = open_alert(
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


def findings_q(actor: Actor) -> Q:
    return actor.scope_q(Perm.ALERT_VIEW, "region_code")
