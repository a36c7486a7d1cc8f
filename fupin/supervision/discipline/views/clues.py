"""2. clues — how clues were verified: public objections to notices (pending, how long they
waited), public monitoring declarations not verified within N days."""

from __future__ import annotations

from fupin.core.masking import mask_name
from fupin.supervision.discipline.views.common import (
    KINDS,
    Cell,
    Figure,
    KindView,
    Scope,
    Table,
    _date,
    case_url,
)
from fupin.workflows.models import Case, Objection, ObjectionStatus


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
