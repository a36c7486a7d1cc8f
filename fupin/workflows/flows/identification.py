"""识别 — "两公示一公告" (SPEC §3): 农户申请 → 村民小组评议 → 村两委和驻村工作队入户核实 →
村内第一次公示 → 乡镇审核 → 乡镇第二次公示 → 县审批 → 县公告 → 建档立卡.

The applicant household is entered in the registry with status 识别中 when the application is
made; 建档立卡 makes it 未脱贫 with its identification year; a rejection makes it 一般农户.
"""

from __future__ import annotations

from fupin.registry import codes
from fupin.workflows.cases.models import SubjectLevel
from fupin.workflows.engine import Ctx, Flow, Step, register
from fupin.workflows.flows.common import (
    OBJECTIONS_RESOLVED,
    OFFICE,
    TOWNSHIP,
    VILLAGE,
    C,
    T,
    V,
    set_status,
)
from fupin.workflows.notices.models import NoticeLevel
from fupin.workflows.notices.services import notice_completed, publish_effect

KIND = "identification"


def _register(ctx: Ctx) -> None:
    set_status(ctx, codes.Status.POOR, identified_year=ctx.case.year)


def _reject(ctx: Ctx) -> None:
    set_status(ctx, codes.Status.ORDINARY)


STATES = {
    "applied": "农户申请",
    "reviewed": "待入户核实",
    "verified": "已核实待公示",
    "village_notice": "村内公示中",
    "township_approved": "乡镇已审核",
    "township_notice": "乡镇公示中",
    "county_approved": "县已审批",
    "county_notice": "县级公告中",
    "registered": "已建档立卡",
    "rejected": "未予识别",
}

FLOW = register(
    Flow(
        kind=KIND,
        label="贫困户识别",
        subject_level=SubjectLevel.HOUSEHOLD,
        prefix="SB",
        states=STATES,
        initial="applied",
        terminal=frozenset({"registered", "rejected"}),
        objection_target="reviewed",
        create_roles=VILLAGE,
        create_level=V,
        summary="农户申请 → 村民小组评议 → 入户核实 → 村内公示 → 乡镇审核 → 乡镇公示 → 县审批 → 县公告 → 建档立卡",
        steps=[
            Step("group_review", "村民小组评议", ("applied",), "reviewed", VILLAGE, V,
                 comment_required=True),
            Step("verify", "入户核实", ("reviewed",), "verified", VILLAGE, V,
                 guards=(OBJECTIONS_RESOLVED,), comment_required=True),
            Step("publish_village", "发布村内公示", ("verified",), "village_notice", VILLAGE, V,
                 effects=(publish_effect,), notice_level=NoticeLevel.VILLAGE),
            Step("township_approve", "乡镇审核通过", ("village_notice",), "township_approved",
                 TOWNSHIP, T, guards=(notice_completed(NoticeLevel.VILLAGE),)),
            Step("township_return", "乡镇退回重新核实", ("village_notice", "township_approved"),
                 "reviewed", TOWNSHIP, T, comment_required=True, style="back"),
            Step("publish_township", "发布乡镇公示", ("township_approved",), "township_notice",
                 TOWNSHIP, T, effects=(publish_effect,), notice_level=NoticeLevel.TOWNSHIP),
            Step("county_approve", "县审批通过", ("township_notice",), "county_approved", OFFICE, C,
                 guards=(notice_completed(NoticeLevel.TOWNSHIP),)),
            Step("county_return", "县退回乡镇", ("township_notice", "county_approved"),
                 "reviewed", OFFICE, C, comment_required=True, style="back"),
            Step("publish_county", "发布县级公告", ("county_approved",), "county_notice", OFFICE, C,
                 effects=(publish_effect,), notice_level=NoticeLevel.COUNTY),
            Step("register", "建档立卡", ("county_notice",), "registered", OFFICE, C,
                 guards=(notice_completed(NoticeLevel.COUNTY),), effects=(_register,)),
            Step("reject", "不予识别", ("applied", "reviewed", "verified", "village_notice",
                                       "township_approved", "township_notice", "county_approved"),
                 "rejected", TOWNSHIP | OFFICE, T, comment_required=True, effects=(_reject,),
                 style="reject"),
            Step("county_reject", "县不予识别", ("township_notice", "county_approved", "county_notice"),
                 "rejected", OFFICE, C, comment_required=True, effects=(_reject,), style="reject"),
            Step("objection", "收到异议退回核实",
                 ("village_notice", "township_approved", "township_notice", "county_approved",
                  "county_notice"), "reviewed", system=True),
        ],
    )
)  # fmt: skip
