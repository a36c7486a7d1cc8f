"""3. duties — whether units performed their supervision: per unit alerts, 督办 notices issued,
rectifications on time, overdue; inspection plans without a visit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from fupin.supervision.alerts.models import Alert, SupervisionNotice
from fupin.supervision.discipline.views.common import (
    KINDS,
    Cell,
    Figure,
    KindView,
    Scope,
    Table,
    _date,
    _names,
)
from fupin.supervision.inspections.models import InspectionPlan


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
