"""纪委再监督 (SPEC §7): the discipline organs watch the watchers — read-only, four kinds, each
with its overdue and unhandled lists and a drill-down page.

1. alerts  — how alerts were handled: overdue rectifications, alerts without a 督办 after N
   days, escalations, alerts closed because "the condition cleared" (who, why);
2. clues   — how clues were verified: public objections to notices (pending, how long they
   waited), public monitoring declarations not verified within N days;
3. duties  — whether units performed their supervision: per unit alerts, 督办 notices issued,
   rectifications on time, overdue; inspection plans without a visit;
4. cadres  — cadres' discipline: household exits let through below the criteria (override
   reason), accountability records.

The page needs Perm.SUPERVISE; a `?region=` outside it is 404, inside without it 403. Every
list is filtered with `actor.scope_q(Perm.SUPERVISE)` and the chosen region's prefix. The
selectors below build display tables (cells with optional links) so both pages share one
template; they only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from fupin.core import params
from fupin.core.access import ALL_REGIONS, Actor, Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.masking import mask_name
from fupin.regions.models import Region
from fupin.workflows.engine import flow_of
from fupin.workflows.models import Case, Objection, ObjectionStatus, Transition

from .. import digest
from ..models import Accountability, Alert, Escalation, InspectionPlan, SupervisionNotice

LIMIT = 200  # rows per list on the drill-down page
PREVIEW = 5  # rows per list on the overview
KINDS = {
    "alerts": ("预警处置情况", "预警是否按期督办、整改、销号，逾期升级与“条件消除”销号是否有据"),
    "clues": ("问题线索核实情况", "群众对公示的异议、农户自主申报是否及时核实"),
    "duties": ("部门监管履职情况", "各责任单位督办、整改是否按期，督查计划是否落实"),
    "cadres": ("干部作风纪律情况", "未达标放行的脱贫退出、问责记录"),
}


@dataclass
class Cell:
    text: str
    url: str = ""
    tone: str = ""  # a Tabler colour for a badge ("red", "orange", …)


@dataclass
class Table:
    key: str
    title: str
    hint: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: int = 0
    mark: str = ""  # "overdue" (red), "unhandled" (orange) or "" for a record list


@dataclass
class Figure:
    label: str
    value: int | str
    tone: str = ""


@dataclass
class KindView:
    key: str
    title: str
    description: str
    figures: list[Figure]
    tables: list[Table]


@dataclass
class Scope:
    actor: Actor
    code: str
    name: str
    today: dt.date
    now: dt.datetime
    unhandled_days: int
    verify_days: int

    def q(self, field_name: str = "region_code") -> Q:
        return self.actor.scope_q(Perm.SUPERVISE, field_name) & Q(
            **{f"{field_name}__startswith": self.code}
        )

    def days_ago(self, days: int) -> dt.datetime:
        return self.now - dt.timedelta(days=days)


# --- links (other modules' pages; a page not shipped yet falls back to its path) ----------------


def _url(name: str, pk: int, fallback: str) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback.format(pk)


def alert_url(pk: int) -> str:
    return _url("supervision:alert_detail", pk, "/supervision/alerts/{}/")


def case_url(pk: int) -> str:
    return _url("workflows:case_detail", pk, "/cases/{}/")


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _state(case: Case) -> str:
    try:
        return str(flow_of(case.kind).states.get(case.state, case.state))
    except ValidationFailed:
        return case.state


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


# --- 1. alerts ------------------------------------------------------------------------------------


def alerts_kind(scope: Scope, limit: int) -> KindView:
    base = Alert.objects.filter(scope.q(), is_open=True).select_related("case")
    overdue_qs = base.filter(due_date__lt=scope.today).order_by("due_date", "id")
    unhandled_qs = base.filter(
        case__state="assigned", first_seen_at__lt=scope.days_ago(scope.unhandled_days)
    ).order_by("first_seen_at", "id")
    escalations_qs = (
        Escalation.objects.filter(scope.q("alert__region_code"))
        .select_related("alert__case")
        .order_by("-at", "-id")
    )
    cleared_qs = (
        Transition.objects.filter(scope.q("case__region_code"), case__kind="alert",
                                  name="close_cleared")
        .select_related("case__alert")
        .order_by("-at", "-id")
    )  # fmt: skip
    overdue = list(overdue_qs[:limit])
    unhandled = list(unhandled_qs[:limit])
    escalations = list(escalations_qs[:limit])
    cleared = list(cleared_qs[:limit])
    names = _names(
        {a.unit_code for a in overdue + unhandled}
        | {e.to_code for e in escalations}
        | {e.from_code for e in escalations}
    )
    overdue_table = Table(
        "overdue", "逾期未整改的预警", "已督办但超过整改期限仍未核验销号",
        ["预警", "责任单位", "整改期限", "逾期天数", "升级次数", "当前环节"],
        [[Cell(a.case.title, alert_url(a.pk)), Cell(names.get(a.unit_code, a.unit_code)),
          Cell(_date(a.due_date)),
          Cell(f"{(scope.today - a.due_date).days} 天" if a.due_date else "—", tone="red"),
          Cell(str(a.escalation_level)), Cell(_state(a.case))]
         for a in overdue],
        overdue_qs.count(), mark="overdue",
    )  # fmt: skip
    unhandled_table = Table(
        "unhandled", f"超过 {scope.unhandled_days} 天未督办的预警", "预警分派后一直未下发督办通知",
        ["预警", "责任单位", "发现时间", "已等待", "级别"],
        [[Cell(a.case.title, alert_url(a.pk)), Cell(names.get(a.unit_code, a.unit_code)),
          Cell(_date(a.first_seen_at)), Cell(f"{(scope.now - a.first_seen_at).days} 天",
                                             tone="orange"),
          Cell(a.get_severity_display())]
         for a in unhandled],
        unhandled_qs.count(), mark="unhandled",
    )  # fmt: skip
    escalation_table = Table(
        "escalations", "逾期升级记录", "整改逾期后由上一级接手督办",
        ["预警", "原督办单位", "升级至", "逾期天数", "升级时间", "是否已销号"],
        [[Cell(e.alert.case.title, alert_url(e.alert_id)),
          Cell(names.get(e.from_code, e.from_code)), Cell(names.get(e.to_code, e.to_code)),
          Cell(f"{e.overdue_days} 天", tone="red"), Cell(_date(e.at)),
          Cell("已销号" if not e.alert.is_open else "未销号",
               tone="green" if not e.alert.is_open else "orange")]
         for e in escalations],
        escalations_qs.count(),
    )  # fmt: skip
    cleared_table = Table(
        "cleared", "以“条件已消除”销号的预警", "未经整改核验、以预警条件消除为由销号：核对办理人和理由",
        ["预警", "办理人", "办理单位", "销号理由", "时间"],
        [[Cell(t.case.title, alert_url(t.case.alert.pk) if hasattr(t.case, "alert")
               else case_url(t.case_id)),
          Cell(f"{t.actor_name or '—'}（{t.role_name}）" if t.role_name else t.actor_name or "—"),
          Cell(t.region_name or "—"), Cell(t.comment or "—"), Cell(_date(t.at))]
         for t in cleared],
        cleared_qs.count(),
    )  # fmt: skip
    return KindView(
        "alerts", *KINDS["alerts"],
        figures=[Figure("逾期未整改", overdue_table.total, "red"),
                 Figure("超期未督办", unhandled_table.total, "orange"),
                 Figure("逾期升级", escalation_table.total),
                 Figure("条件消除销号", cleared_table.total)],
        tables=[overdue_table, unhandled_table, escalation_table, cleared_table],
    )  # fmt: skip


# --- 2. clues -------------------------------------------------------------------------------------


def clues_kind(scope: Scope, limit: int) -> KindView:
    late = scope.days_ago(scope.verify_days)
    pending_qs = (
        Objection.objects.filter(scope.q("notice__region_code"), status=ObjectionStatus.PENDING)
        .select_related("notice", "case")
        .order_by("created_at", "id")
    )
    resolved_qs = (
        Objection.objects.filter(scope.q("notice__region_code"), resolved_at__isnull=False)
        .exclude(status=ObjectionStatus.PENDING)
        .select_related("notice", "case")
        .order_by("-resolved_at", "-id")
    )
    declared_qs = Case.objects.filter(
        scope.q(), kind="monitoring", channel="self", state="declared", is_open=True
    ).order_by("created_at", "id")
    pending = list(pending_qs[:limit])
    resolved = list(resolved_qs[:limit])
    declared = list(declared_qs[:limit])

    def objection_row(o: Objection, done: bool) -> list[Cell]:
        end = o.resolved_at if done and o.resolved_at else scope.now
        waited = (end - o.created_at).days
        target = Cell(o.case.title, case_url(o.case.pk)) if o.case else Cell(o.notice.title)
        tone = "red" if waited > scope.verify_days else ""
        row = [target, Cell(o.notice.notice_no), Cell(o.get_source_display()),
               Cell(mask_name(o.name) if o.name else "匿名"), Cell(o.content[:60]),
               Cell(_date(o.created_at)), Cell(f"{waited} 天", tone=tone)]  # fmt: skip
        if done:
            row.append(Cell(o.get_status_display()))
        return row

    pending_table = Table(
        "objections", "待核实的公示异议", f"超过 {scope.verify_days} 天未核实的标红",
        ["针对办件", "公示编号", "来源", "异议人", "异议内容", "提出时间", "已等待"],
        [objection_row(o, False) for o in pending], pending_qs.count(),
    )  # fmt: skip
    pending_overdue = pending_qs.filter(created_at__lt=late).count()
    resolved_table = Table(
        "resolved", "已核实的公示异议", "从提出到核实用了多久",
        ["针对办件", "公示编号", "来源", "异议人", "异议内容", "提出时间", "核实用时", "结论"],
        [objection_row(o, True) for o in resolved], resolved_qs.count(),
    )  # fmt: skip
    declared_table = Table(
        "declarations", "未入户核实的农户自主申报",
        f"群众通过公开页面申报防返贫监测，超过 {scope.verify_days} 天未核实的标红",
        ["申报", "办件编号", "申报时间", "已等待"],
        [[Cell(c.title, case_url(c.pk)), Cell(c.case_no), Cell(_date(c.created_at)),
          Cell(f"{(scope.now - c.created_at).days} 天",
               tone="red" if c.created_at < late else "")]
         for c in declared],
        declared_qs.count(),
    )  # fmt: skip
    declared_overdue = declared_qs.filter(created_at__lt=late).count()
    pending_table.mark = declared_table.mark = "unhandled"
    return KindView(
        "clues", *KINDS["clues"],
        figures=[Figure(f"异议超 {scope.verify_days} 天未核实", pending_overdue, "red"),
                 Figure("待核实异议", pending_table.total, "orange"),
                 Figure(f"申报超 {scope.verify_days} 天未核实", declared_overdue, "red"),
                 Figure("待核实申报", declared_table.total, "orange")],
        tables=[pending_table, declared_table, resolved_table],
    )  # fmt: skip


# --- 3. duties ------------------------------------------------------------------------------------


@dataclass
class UnitDuty:
    code: str
    alerts: int = 0
    open_alerts: int = 0
    overdue: int = 0
    notices_issued: int = 0
    due: int = 0  # notices to the unit whose deadline passed or that were rectified
    on_time: int = 0

    @property
    def on_time_rate(self) -> str:
        return f"{self.on_time * 100 // self.due}%" if self.due else "—"


def unit_duties(scope: Scope) -> list[UnitDuty]:
    units: dict[str, UnitDuty] = {}

    def unit(code: str) -> UnitDuty:
        return units.setdefault(code, UnitDuty(code))

    rows = (
        Alert.objects.filter(scope.q())
        .values("unit_code")
        .annotate(
            n=Count("id"),
            open=Count("id", filter=Q(is_open=True)),
            late=Count("id", filter=Q(is_open=True, due_date__lt=scope.today)),
        )
        .order_by()
    )
    for alert_row in rows:
        item = unit(alert_row["unit_code"])
        item.alerts, item.open_alerts = alert_row["n"], alert_row["open"]
        item.overdue = alert_row["late"]
    notices = SupervisionNotice.objects.filter(scope.q("alert__region_code"))
    for notice_row in notices.values("issuer_code").annotate(n=Count("id")).order_by():
        unit(notice_row["issuer_code"]).notices_issued = notice_row["n"]
    timing = notices.annotate(first=Min("alert__rectifications__created_at")).values_list(
        "unit_code", "deadline", "first"
    )
    for code, deadline, first in timing:
        item = unit(code)
        if first is not None or deadline < scope.today:
            item.due += 1
            if first is not None and timezone.localdate(first) <= deadline:
                item.on_time += 1
    return sorted(units.values(), key=lambda u: (-u.overdue, u.code))


def duties_kind(scope: Scope, limit: int) -> KindView:
    duties = unit_duties(scope)
    names = _names({u.code for u in duties})
    slack = [u for u in duties if u.overdue or (u.due and u.on_time < u.due)]
    plans_qs = (
        InspectionPlan.objects.filter(scope.q(), start_date__lte=scope.today)
        .annotate(n=Count("visits"))
        .filter(n=0)
        .select_related("group")
        .order_by("start_date", "id")
    )
    plans = list(plans_qs[:limit])
    unit_table = Table(
        "units", "各责任单位督办整改情况", "按逾期数排序；按期整改率 = 期限内提交整改的督办通知 / 已到期或已整改的督办通知",
        ["单位", "分派预警", "未销号", "逾期未整改", "下发督办通知", "按期整改率"],
        [[Cell(names.get(u.code, u.code)), Cell(str(u.alerts)), Cell(str(u.open_alerts)),
          Cell(str(u.overdue), tone="red" if u.overdue else ""), Cell(str(u.notices_issued)),
          Cell(u.on_time_rate, tone="orange" if u.due and u.on_time < u.due else "")]
         for u in duties[:limit]],
        len(duties),
    )  # fmt: skip
    plan_table = Table(
        "plans", "未开展督查的督查计划", "计划已开始但没有任何督查记录",
        ["督查计划", "督查组", "频次", "开始日期", "结束日期", "状态"],
        [[Cell(p.title), Cell(p.group.name), Cell(p.get_frequency_display()),
          Cell(_date(p.start_date)), Cell(_date(p.end_date)),
          Cell("已过期未督查" if p.end_date < scope.today else "进行中未督查",
               tone="red" if p.end_date < scope.today else "orange")]
         for p in plans],
        plans_qs.count(), mark="unhandled",
    )  # fmt: skip
    return KindView(
        "duties", *KINDS["duties"],
        figures=[Figure("履职不到位单位", len(slack), "red"),
                 Figure("有预警的单位", len(duties)),
                 Figure("未督查的计划", plan_table.total, "orange")],
        tables=[unit_table, plan_table],
    )  # fmt: skip


# --- 4. cadres ------------------------------------------------------------------------------------


def cadres_kind(scope: Scope, limit: int) -> KindView:
    overrides_qs = (
        Case.objects.filter(scope.q(), kind="household_exit")
        .exclude(override_reason="")
        .select_related("override_by", "region")
        .order_by("-override_at", "-id")
    )
    records_qs = Accountability.objects.filter(scope.q()).order_by("-decided_on", "-id")
    overrides = list(overrides_qs[:limit])
    records = list(records_qs[:limit])
    override_table = Table(
        "overrides", "未达标放行的脱贫退出", "退出标准未全部达到、由乡镇以上登记理由后放行",
        ["办件", "所在村", "未达标项", "放行理由", "放行人", "放行时间", "当前环节"],
        [[Cell(c.title, case_url(c.pk)), Cell(c.region.name),
          Cell("、".join(str(f.get("label", f)) if isinstance(f, dict) else str(f)
                         for f in c.override_failures) or "—", tone="orange"),
          Cell(c.override_reason),
          Cell(str(c.override_by) if c.override_by else "—"), Cell(_date(c.override_at)),
          Cell(_state(c))]
         for c in overrides],
        overrides_qs.count(),
    )  # fmt: skip
    record_table = Table(
        "accountability", "问责记录", "通报批评、书面检讨、约谈、诫勉谈话、党内警告、召回、免职、降职",
        ["问责对象", "职务", "问责方式", "事由", "决定日期", "决定机关"],
        [[Cell(r.subject_name + ("（单位）" if r.subject_is_unit else "")),
          Cell(r.subject_title or "—"), Cell(r.get_kind_display(), tone="red"),
          Cell(r.reason[:80]), Cell(_date(r.decided_on)), Cell(r.deciding_body)]
         for r in records],
        records_qs.count(),
    )  # fmt: skip
    year_start = dt.date(scope.today.year, 1, 1)
    return KindView(
        "cadres", *KINDS["cadres"],
        figures=[Figure("未达标放行退出", override_table.total, "orange"),
                 Figure("问责记录", record_table.total, "red"),
                 Figure("本年问责", records_qs.filter(decided_on__gte=year_start).count())],
        tables=[override_table, record_table],
    )  # fmt: skip


BUILDERS = {"alerts": alerts_kind, "clues": clues_kind, "duties": duties_kind,
            "cadres": cadres_kind}  # fmt: skip


# --- views ----------------------------------------------------------------------------------------


def resolve_scope(actor: Actor, code: str) -> Scope:
    """The region the page looks at: `code` (checked) or the actor's SUPERVISE jurisdiction."""
    code = (code or "").strip()
    if code:
        if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
            raise NotFound("区划代码不存在或不在您的管辖范围内")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise NotFound("区划代码不存在或不在您的管辖范围内")
        actor.require(Perm.SUPERVISE, code)
        name = region.name
    else:
        codes = actor.region_codes(Perm.SUPERVISE)
        if not codes:
            raise PermissionDenied("纪委再监督页面仅供纪检监察机关查看")
        if len(codes) == 1 and codes[0] != ALL_REGIONS:
            code = codes[0]
            name = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
        else:
            name = "全部授权辖区"
    return Scope(
        actor=actor,
        code=code,
        name=name,
        today=timezone.localdate(),
        now=timezone.now(),
        unhandled_days=int(params.get(digest.UNHANDLED_DAYS.key, region_code=code)),
        verify_days=int(params.get(digest.VERIFY_DAYS.key, region_code=code)),
    )


def _context(scope: Scope, **extra: Any) -> dict[str, Any]:
    return {
        "scope": scope,
        "region_query": f"?region={scope.code}" if scope.code else "",
        "kinds": [(key, title) for key, (title, _) in KINDS.items()],
        **extra,
    }


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    scope = resolve_scope(actor_of(request), request.GET.get("region", ""))
    views = [build(scope, PREVIEW) for build in BUILDERS.values()]
    return render(
        request,
        "supervision/discipline/overview.html",
        _context(scope, page_title="纪委再监督", views=views),
    )


@require_GET
def kind_detail(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in BUILDERS:
        raise Http404
    scope = resolve_scope(actor_of(request), request.GET.get("region", ""))
    view = BUILDERS[kind](scope, LIMIT)
    return render(
        request,
        "supervision/discipline/kind.html",
        _context(scope, page_title=f"纪委再监督 · {view.title}", view=view, active=kind),
    )
