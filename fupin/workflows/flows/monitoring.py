"""防返贫监测 (SPEC §3): 申报/预警 → 入户核实 → 村级评议 → 乡镇审核 → 公示 → 县级确认纳入 →
帮扶 → 核实风险消除 → (observation of `monitoring.risk_clear_months` months) → 风险消除 → 标注.

Cases come from the household's own declaration (public form), cadre screening, or system
warnings (`fupin.workflows.monitoring.scan`). A declared case may have no household yet: the
village links it (or registers the family as 一般农户 first) before verification.
"""

from __future__ import annotations

import datetime as dt

from fupin.core import params
from fupin.registry import codes
from fupin.workflows.cases.models import SubjectLevel
from fupin.workflows.engine import Ctx, Flow, Guard, Step, register
from fupin.workflows.flows.common import (
    OBJECTIONS_RESOLVED,
    OFFICE,
    TOWNSHIP,
    VILLAGE,
    C,
    T,
    V,
    household_required,
    set_monitoring,
)
from fupin.workflows.notices.models import NoticeLevel
from fupin.workflows.notices.services import notice_completed, publish_effect

KIND = "monitoring"


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]  # fmt: skip
    return dt.date(year, month, min(day.day, last))


def _category_chosen(ctx: Ctx) -> str | None:
    category = ctx.data.get("category") or ctx.case.data.get("category")
    if category not in codes.MonitoringCategory.values:
        return "请选择监测对象类别（脱贫不稳定户、边缘易致贫户、突发严重困难户）"
    ctx.data["category"] = category
    ctx.data["category_label"] = codes.MonitoringCategory(category).label
    return None


def _include(ctx: Ctx) -> None:
    set_monitoring(
        ctx, codes.MonitoringStatus.MONITORED, monitoring_category=ctx.case.data["category"]
    )


def _risk_gone(ctx: Ctx) -> None:
    ctx.case.data["risk_gone_on"] = ctx.today.isoformat()
    ctx.case.save(update_fields=["data"])


def _observed_long_enough(ctx: Ctx) -> str | None:
    since = ctx.case.data.get("risk_gone_on")
    months = int(params.get("monitoring.risk_clear_months", region_code=ctx.case.region_code))
    if not since:
        return "尚未核实风险已消除"
    ready = add_months(dt.date.fromisoformat(since), months)
    if ctx.today < ready:
        return (
            f"风险消除观察期未满 {months} 个月：{since} 核实风险消除，{ready:%Y-%m-%d} 起方可标注"
        )
    return None


def _cleared(ctx: Ctx) -> None:
    set_monitoring(ctx, codes.MonitoringStatus.CLEARED)


STATES = {
    "declared": "申报/预警",
    "verified": "已入户核实",
    "deliberated": "已村级评议",
    "township_reviewed": "乡镇已审核",
    "notice": "公示中",
    "confirmed": "已确认纳入",
    "assisting": "帮扶中",
    "observing": "风险消除观察期",
    "cleared": "风险已消除",
    "marked": "已标注",
    "rejected": "不予纳入",
}

FLOW = register(
    Flow(
        kind=KIND,
        label="防返贫监测",
        subject_level=SubjectLevel.HOUSEHOLD,
        prefix="JC",
        states=STATES,
        initial="declared",
        terminal=frozenset({"marked", "rejected"}),
        objection_target="verified",
        create_roles=VILLAGE,
        create_level=V,
        summary="申报/预警 → 核实 → 评议 → 乡镇审核 → 公示 → 县级确认纳入 → 帮扶 → 风险消除 → 标注",
        steps=[
            Step("verify", "入户核实", ("declared",), "verified", VILLAGE, V,
                 guards=(household_required(), Guard("已选择监测类别", _category_chosen),
                         OBJECTIONS_RESOLVED),
                 comment_required=True, fields=("category", "category_label", "risk_types")),
            Step("deliberate", "村级民主评议", ("verified",), "deliberated", VILLAGE, V,
                 comment_required=True),
            Step("township_review", "乡镇审核通过", ("deliberated",), "township_reviewed",
                 TOWNSHIP, T),
            Step("publish", "发布乡镇公示", ("township_reviewed",), "notice", TOWNSHIP, T,
                 effects=(publish_effect,), notice_level=NoticeLevel.TOWNSHIP),
            Step("confirm", "县级确认纳入", ("notice",), "confirmed", OFFICE, C,
                 guards=(notice_completed(NoticeLevel.TOWNSHIP),), effects=(_include,)),
            Step("assist", "落实帮扶措施", ("confirmed",), "assisting", VILLAGE, V,
                 comment_required=True, fields=("measures",)),
            Step("risk_gone", "核实风险已消除", ("assisting",), "observing", TOWNSHIP, T,
                 comment_required=True, effects=(_risk_gone,)),
            Step("relapse", "风险反弹，继续帮扶", ("observing",), "assisting", VILLAGE, V,
                 comment_required=True, style="back"),
            Step("clear", "确认风险消除", ("observing",), "cleared", OFFICE, C,
                 guards=(Guard("风险消除观察期已满", _observed_long_enough),), effects=(_cleared,)),
            Step("mark", "标注风险消除", ("cleared",), "marked", OFFICE, C),
            Step("reject", "不予纳入", ("declared", "verified", "deliberated", "township_reviewed"),
                 "rejected", TOWNSHIP | OFFICE, T, comment_required=True, style="reject",
                 extra_levels=(C,)),
            Step("objection", "收到异议退回核实", ("notice",), "verified", system=True),
        ],
    )
)  # fmt: skip
