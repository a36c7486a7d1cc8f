"""Demo inspections, traffic lights and accountability records of a county (射洪市, 510981),
made through the services by the demo logins:

- two inspection groups; a half-monthly plan over three townships (visits in most periods, one
  period missed) whose findings are at every stage — closed after verification, submitted and
  waiting for verification, being rectified, overdue — and a quarterly plan;
- quarter targets and actual values of every default indicator for the townships, last year
  and this year up to the current quarter, lit green / yellow / red, with reminder interviews
  for most yellow lights (one left "待提醒谈话");
- accountability records of several kinds over two years, one linked to the overdue finding.

Idempotent: each part is skipped when the county already has it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.context import audit_context
from fupin.regions.models import Region
from fupin.supervision import inspections
from fupin.supervision.accountability import services as accountability
from fupin.supervision.alerts import services
from fupin.supervision.lights import services as lights
from fupin.supervision.models import (
    Accountability,
    AccountabilityKind,
    Alert,
    Finding,
    Indicator,
    InspectionGroup,
    InspectionPlan,
    Light,
    QuarterTarget,
)
from fupin.workflows import engine as workflow_engine

SEED = 20251
GROUP_1 = "脱贫攻坚第一督查组"
GROUP_2 = "脱贫攻坚第二督查组"
RECALLED = "吴建军"  # the first secretary recalled in the demo records (idempotency marker)
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

FINDINGS = [
    "3户帮扶手册“收入测算”栏未更新，帮扶责任人近两月未入户走访",
    "村务公开栏未公示本年度到户产业扶持资金发放名单",
    "1户脱贫户饮水安全设施损坏，尚未维修",
    "集体经济收益分配方案未经村民代表大会讨论通过",
    "2名适龄儿童辍学劝返台账缺失",
    "危房改造验收资料不全，缺少竣工照片",
]


def load_supervision_extras(county_code: str) -> None:
    """Demo inspections, lights and accountability records for the county (idempotent)."""
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    if "demo_office" not in users:
        return
    county = Region.objects.filter(code=county_code).first()
    if county is None:
        return
    townships = list(county.children.order_by("code"))
    if len(townships) < 3:
        return
    office = load_actor(users["demo_office"])
    township_actor = load_actor(users["demo_township"]) if "demo_township" in users else None
    today = timezone.localdate()
    with audit_context(reason="演示数据", actor_name="load_demo"):
        if not InspectionGroup.objects.filter(region_code=county_code, name=GROUP_1).exists():
            _inspections(office, township_actor, county, townships, users, today)
        if not QuarterTarget.objects.filter(region_code__startswith=county_code).exists():
            _lights(office, townships[:6], today)
        if not Accountability.objects.filter(
            county_code=county_code, kind=AccountabilityKind.RECALL, subject_name=RECALLED
        ).exists():
            _accountability(office, county, townships, today)


# --- inspections ---------------------------------------------------------------------------------


def _township_code(actor: Actor | None) -> str:
    if actor is None:
        return ""
    return next((g.region_code for g in actor.grants if g.role_code == "township"), "")


def _inspections(
    office: Actor,
    township_actor: Actor | None,
    county: Region,
    townships: list[Region],
    users: dict[str, Any],
    today: dt.date,
) -> None:
    demo_township = _township_code(township_actor)
    targets = [t for t in townships if t.code == demo_township][:1]
    targets += [t for t in townships if t.code != demo_township][: 3 - len(targets)]
    members = [users[n].pk for n in ("demo_office", "demo_viewer") if n in users]
    group = inspections.inspection_group_create(
        actor=office, region_code=county.code, name=GROUP_1, leader_name="周德华",
        member_ids=members, member_names="王建国（特邀督查员）、李秀英（市人大代表）",
    )  # fmt: skip
    group_2 = inspections.inspection_group_create(
        actor=office, region_code=county.code, name=GROUP_2, leader_name="陈国平",
        member_names="赵志强、刘桂兰、何丽",
    )  # fmt: skip
    start = (today - dt.timedelta(days=75)).replace(day=1)
    plan = inspections.inspection_plan_create(
        actor=office, group_id=group.pk, title=f"{today.year}年脱贫成果巩固半月督查",
        frequency=InspectionPlan.Frequency.HALF_MONTH, start_date=start,
        end_date=today + dt.timedelta(days=45), target_codes=[t.code for t in targets],
        focus="“两不愁三保障”及饮水安全巩固情况；帮扶责任人入户走访；到户扶持资金公示；防返贫监测对象帮扶措施落实。",
    )  # fmt: skip
    quarterly = inspections.inspection_plan_create(
        actor=office, group_id=group_2.pk, title=f"{today.year}年扶贫项目资金季度督查",
        frequency=InspectionPlan.Frequency.QUARTER, start_date=dt.date(today.year, 1, 1),
        end_date=dt.date(today.year, 12, 31), target_codes=[t.code for t in townships[3:6]],
        focus="扶贫项目进度与资金拨付是否同步；项目公示；资产确权移交。",
    )  # fmt: skip
    for q_index, (q_start, q_end) in enumerate(
        inspections.schedule_periods(quarterly.frequency, quarterly.start_date, today)
    ):
        for t_index, target in enumerate(quarterly.targets.order_by("code")):
            day = min(q_start + dt.timedelta(days=20 + 9 * t_index), q_end, today)
            if (q_index + t_index) % 4 == 2:
                continue  # one unit missed a quarter
            inspections.inspection_visit_record(
                actor=office, plan_id=quarterly.pk, region_code=target.code, visited_on=day,
                summary="核查扶贫项目台账、资金拨付凭证和项目公示，实地察看项目建设进度。",
                today=today,
            )  # fmt: skip
    rng = random.Random(SEED)  # noqa: S311 — reproducible demo data
    periods = inspections.schedule_periods(plan.frequency, plan.start_date, today)
    # Findings on the first visit (old: overdue unless rectified) and on two recent ones.
    last = len(periods) - 1
    finding_days = {0: 10, max(1, last - 2): 40, last: 20}  # period index → days to rectify
    finding_no = 0
    findings: list[Finding] = []
    for t_index, target in enumerate(targets):
        villages = list(target.children.order_by("code")[:6])
        for p_index, (p_start, p_end) in enumerate(periods):
            if (t_index + p_index) % 5 == 3 and p_index not in finding_days:
                continue  # a missed period shows on the schedule
            day = p_start + dt.timedelta(days=rng.randint(0, max(0, (p_end - p_start).days)))
            if day > today:
                continue
            with_finding = p_index in finding_days and finding_no < len(FINDINGS)
            place = target
            if villages and not with_finding and rng.random() < 0.6:
                place = rng.choice(villages)
            visit = inspections.inspection_visit_record(
                actor=office, plan_id=plan.pk, region_code=place.code, visited_on=day,
                summary=f"入户走访{rng.randint(6, 15)}户，查阅帮扶手册、村务公开栏和项目台账。",
                today=today,
            )  # fmt: skip
            if with_finding:
                finding = inspections.finding_record(
                    actor=office, visit_id=visit.pk, description=FINDINGS[finding_no],
                    deadline=day + dt.timedelta(days=finding_days[p_index]), today=day,
                )  # fmt: skip
                findings.append(finding)
                finding_no += 1
    # Move the findings of the demo township along: rectified and verified, or submitted.
    # The oldest stays overdue, the next is verified and closed, the next waits for verification.
    if township_actor is not None:
        own = list(
            Alert.objects.filter(pk__in=[f.alert_id for f in findings], unit_code=demo_township)
            .select_related("case")
            .order_by("id")
        )
        for n, alert in enumerate(own[1:]):
            if alert.case.state != "noticed":
                continue
            _rectify(township_actor, alert.pk, alert.case_id)
            if n % 2 == 0:
                workflow_engine.case_transition(
                    actor=office, case_id=alert.case_id, step="verify",
                    comment="经实地复查，整改到位，同意销号。",
                )  # fmt: skip


def _rectify(actor: Actor, alert_id: int, case_id: int) -> None:
    upload = SimpleUploadedFile("整改报告.pdf", _PDF, content_type="application/pdf")
    services.rectification_submit(
        actor=actor, alert_id=alert_id, content="已按督查要求逐项整改，相关台账已补齐。",
        files=[upload],
    )  # fmt: skip
    workflow_engine.case_transition(actor=actor, case_id=case_id, step="submit", comment="已整改")


# --- traffic lights ------------------------------------------------------------------------------

# indicator: (quarter targets, annual target)
PLAN = {
    "poverty_reduction": ([30, 30, 25, 15], 100),
    "fund_spending": ([20, 45, 75, 100], 100),
    "alert_closure": ([90, 90, 90, 90], 90),
    "visit_completion": ([95, 95, 95, 95], 95),
    "new_return_poverty": ([2, 2, 2, 2], 8),
}


def _lights(office: Actor, townships: list[Region], today: dt.date) -> None:
    rng = random.Random(SEED + 1)  # noqa: S311
    current = (today.year, (today.month - 1) // 3 + 1)
    quarters = [(y, q) for y in (today.year - 1, today.year) for q in (1, 2, 3, 4)]
    known = {i.code: i for i in Indicator.objects.filter(code__in=PLAN)}
    for index, township in enumerate(townships):
        # index 0: on track; 1: slips once (yellow); 2: misses twice running (red);
        # 3: misses the annual target; others: random small slips.
        for code, (targets, annual) in PLAN.items():
            indicator = known.get(code)
            if indicator is None:
                continue
            for year, quarter in quarters:
                if (year, quarter) > current:
                    break
                target = Decimal(targets[quarter - 1])
                miss = _missed(index, code, year, quarter, rng)
                actual = _actual(indicator, target, miss, rng)
                if code == "poverty_reduction" and index == 3 and year == today.year - 1:
                    # Q2 slips, Q3 and Q4 meet their targets, the year (96) misses 100: Q4 red.
                    actual = Decimal((30, 25, 25, 16)[quarter - 1])
                lights.target_save(
                    actor=office, region_code=township.code, indicator_code=code, year=year,
                    quarter=quarter, target=target,
                    annual_target=Decimal(annual) if quarter == 4 else None,
                    actual=None if (year, quarter) == current and index % 2 else actual,
                )  # fmt: skip
    # Reminder interviews for the yellow lights, except the latest one.
    yellows = list(
        QuarterTarget.objects.filter(
            region_code__in=[t.code for t in townships], light=Light.YELLOW
        ).order_by("year", "quarter", "region_code")
    )
    for row in yellows[:-1]:
        end_month = row.quarter * 3
        held = dt.date(row.year + (end_month == 12), end_month % 12 + 1, 10)
        if held > today:
            continue
        lights.interview_record(
            actor=office, target_id=row.pk, held_on=held, interviewer="杨秀英（市乡村振兴局局长）",
            interviewee=f"{row.region.name}党委书记",
            notes=f"{row.year}年第{row.quarter}季度“{row.indicator.name}”未完成目标，"
            "要求分析原因、制定追赶措施，下季度末前补齐差距。",
            today=today,
        )  # fmt: skip


def _missed(index: int, code: str, year: int, quarter: int, rng: random.Random) -> bool:
    if index == 0:
        return False
    if index == 1:
        return code == "fund_spending" and quarter == 2
    if index == 2:
        return code in ("fund_spending", "visit_completion") and quarter in (2, 3)
    if index == 3:
        return False
    return rng.random() < 0.12


def _actual(indicator: Indicator, target: Decimal, miss: bool, rng: random.Random) -> Decimal:
    factor = Decimal(rng.randint(80, 95) if miss else rng.randint(100, 112)) / 100
    if not indicator.higher_is_better:
        factor = Decimal(2) - factor if target else Decimal(0)
    value = (target * factor).quantize(Decimal("1" if indicator.unit == "人" else "0.1"))
    if indicator.unit == "%":
        value = min(value, Decimal(100))
        if miss and value >= target:
            value = target - Decimal(3)
    if not indicator.higher_is_better and miss and value <= target:
        value = target + 1
    return max(value, Decimal(0))


# --- accountability ------------------------------------------------------------------------------


def _accountability(office: Actor, county: Region, townships: list[Region], today: dt.date) -> None:
    overdue = (
        Finding.objects.filter(
            region_code__startswith=county.code, alert__is_open=True, deadline__lt=today
        )
        .order_by("deadline")
        .first()
    )
    body = f"中共{county.name}纪律检查委员会"
    records = [
        (AccountabilityKind.CRITICISM, True, f"{townships[2].name}人民政府", "", townships[2],
         "扶贫资金支出进度连续两个季度未完成目标，亮红灯。", 40, f"{county.name}脱贫攻坚领导小组"),
        (AccountabilityKind.TALK, False, "刘志明", f"{townships[2].name}党委书记",
         townships[2], "资金支出进度滞后，约谈督促。", 35, f"{county.name}乡村振兴局"),
        (AccountabilityKind.SELF_CRITICISM, False, "张文华", "驻村工作队队员", townships[1],
         "帮扶走访记录弄虚作假，补写走访日志。", 120, body),
        (AccountabilityKind.ADMONISH, False, "黄德福", "村党支部书记", townships[0],
         "到户扶持资金未按规定公示。", 200, body),
        (AccountabilityKind.RECALL, False, RECALLED, "驻村第一书记", townships[1],
         "一年内在岗天数不足规定要求，驻村帮扶工作不力。", 260, f"中共{county.name}委组织部"),
        (AccountabilityKind.PARTY_WARNING, False, "孙立平", "乡镇民政办主任", townships[3],
         "违规将不符合条件的亲属纳入低保和建档立卡。", 400, body),
        (AccountabilityKind.DISMISS, False, "郭海涛", "村委会主任", townships[4 % len(townships)],
         "截留挪用产业扶持资金。", 430, body),
        (AccountabilityKind.DEMOTE, False, "马红梅", "乡镇扶贫办主任", townships[0],
         "精准识别工作严重失实，漏评错评问题突出。", 500, f"中共{county.name}委"),
    ]  # fmt: skip
    for kind, is_unit, name, title, region, reason, days_ago, decider in records:
        accountability.accountability_create(
            actor=office, region_code=region.code, kind=kind, subject_is_unit=is_unit,
            subject_name=name, subject_title=title, reason=reason,
            decided_on=today - dt.timedelta(days=days_ago), deciding_body=decider,
        )  # fmt: skip
    if overdue is not None and overdue.alert_id is not None:
        accountability.accountability_create(
            actor=office, region_code=overdue.visit.region_code, kind=AccountabilityKind.TALK,
            subject_name=f"{overdue.visit.region.name}负责人", subject_title="责任单位主要负责人",
            reason=f"督查发现问题“{overdue.description}”逾期未整改。",
            decided_on=today, deciding_body=f"{county.name}乡村振兴局",
            alert_ids=[overdue.alert_id], finding_ids=[overdue.pk],
        )  # fmt: skip
