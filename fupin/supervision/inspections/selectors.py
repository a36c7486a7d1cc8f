"""Scoped reads of inspections: groups, plans and visits in the jurisdiction, a plan's page with
its findings and their stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound
from fupin.supervision.inspections.common import STAGES
from fupin.supervision.inspections.models import (
    Finding,
    InspectionGroup,
    InspectionPlan,
    InspectionVisit,
)
from fupin.supervision.inspections.schedule import (
    TargetSchedule,
    plan_schedule,
)


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


def findings_q(actor: Actor) -> Q:
    return actor.scope_q(Perm.ALERT_VIEW, "region_code")
