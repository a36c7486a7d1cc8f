"""1. alerts — how alerts were handled: overdue rectifications, alerts without a 督办 after N
days, escalations, alerts closed because "the condition cleared" (who, why)."""

from __future__ import annotations

from fupin.supervision.alerts.models import Alert, Escalation
from fupin.supervision.discipline.views.common import (
    KINDS,
    Cell,
    Figure,
    KindView,
    Scope,
    Table,
    _date,
    _names,
    _state,
    alert_url,
    case_url,
)
from fupin.workflows.models import Transition


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
