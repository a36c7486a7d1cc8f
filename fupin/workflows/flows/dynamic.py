"""Dynamic adjustment (SPEC §3): 返贫 and natural changes of members as cases with evidence.

返贫: 村申报（附证明） → 入户核实 → 村内公示 → 乡镇审核 → 县审批 → status 返贫.
Natural change (birth, death, marriage in/out, moving): 村申报（附证明） → 乡镇审核 → applied to
the registry by `fupin.registry.services.member_change`, so the household size — and with it
the per-capita income of the change's year and later — follows from the change date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fupin.core.errors import ValidationFailed
from fupin.registry import codes, identity
from fupin.registry import services as registry_services
from fupin.registry import status as registry_status
from fupin.workflows.cases.models import DocumentKind, SubjectLevel
from fupin.workflows.engine import Ctx, Flow, Guard, Step, register
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


def _was_exited(ctx: Ctx) -> str | None:
    household = ctx.case.household
    if household is None or household.status != codes.Status.EXITED:
        return "只有已脱贫户才能认定返贫"
    return None


def _returned(ctx: Ctx) -> None:
    set_status(ctx, codes.Status.RETURNED)


RETURN_FLOW = register(
    Flow(
        kind="return_poverty",
        label="返贫认定",
        subject_level=SubjectLevel.HOUSEHOLD,
        prefix="FP",
        states={
            "applied": "村申报",
            "verified": "已入户核实",
            "village_notice": "村内公示中",
            "township_approved": "乡镇已审核",
            "returned": "已认定返贫",
            "rejected": "不予认定",
        },
        initial="applied",
        terminal=frozenset({"returned", "rejected"}),
        objection_target="applied",
        create_roles=VILLAGE,
        create_level=V,
        summary="村申报 → 入户核实 → 村内公示 → 乡镇审核 → 县审批 → 返贫",
        steps=[
            Step("verify", "入户核实", ("applied",), "verified", VILLAGE, V,
                 guards=(Guard("该户为已脱贫户", _was_exited), OBJECTIONS_RESOLVED),
                 document=DocumentKind.EVIDENCE, comment_required=True),
            Step("publish_village", "发布村内公示", ("verified",), "village_notice", VILLAGE, V,
                 effects=(publish_effect,), notice_level=NoticeLevel.VILLAGE),
            Step("township_approve", "乡镇审核通过", ("village_notice",), "township_approved",
                 TOWNSHIP, T, guards=(notice_completed(NoticeLevel.VILLAGE),)),
            Step("county_approve", "县审批认定返贫", ("township_approved",), "returned", OFFICE, C,
                 guards=(Guard("该户为已脱贫户", _was_exited),), effects=(_returned,)),
            Step("reject", "不予认定", ("applied", "verified", "village_notice", "township_approved"),
                 "rejected", TOWNSHIP | OFFICE, T, comment_required=True, style="reject",
                 extra_levels=(C,)),
            Step("objection", "收到异议退回核实", ("village_notice", "township_approved"), "applied",
                 system=True),
        ],
    )
)  # fmt: skip


def change_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The member-change request kept on the case (JSON-safe: dates as ISO strings)."""
    kind = data.get("change_kind", "")
    if kind not in codes.MemberChangeKind.values or kind == codes.MemberChangeKind.CORRECTION:
        raise ValidationFailed("请选择变更类型（出生、死亡、婚入、婚出、迁入、迁出）",
                               errors={"change_kind": ["请选择"]})  # fmt: skip
    occurred = data.get("occurred_on")
    if isinstance(occurred, dt.date):
        occurred = occurred.isoformat()
    if not occurred:
        raise ValidationFailed("请填写发生日期", errors={"occurred_on": ["必填"]})
    if dt.date.fromisoformat(str(occurred)) > timezone.localdate():
        raise ValidationFailed("发生日期不能晚于今天", errors={"occurred_on": ["不能晚于今天"]})
    payload = {"change_kind": kind, "occurred_on": str(occurred), "reason": data.get("reason", "")}
    if kind in codes.LEAVING_KINDS:
        if not data.get("member_id"):
            raise ValidationFailed("请选择离户的成员", errors={"member_id": ["必填"]})
        payload["member_id"] = int(data["member_id"])
        if data.get("new_head_id"):
            payload["new_head_id"] = int(data["new_head_id"])
    else:
        new_member = dict(data.get("new_member") or {})
        if not new_member.get("name") or not new_member.get("id_number"):
            raise ValidationFailed(
                "请填写新增成员的姓名和身份证号", errors={"new_member": ["必填"]}
            )
        payload["new_member"] = identity.seal(new_member)  # checked, and never kept in clear
    return payload


def _apply_change(ctx: Ctx) -> None:
    """Apply the approved change through the registry service (which checks ID numbers,
    heads and sizes), then let the per-capita income of the change's year onward follow."""
    case = ctx.case
    assert case.household is not None
    payload = case.data
    occurred = dt.date.fromisoformat(payload["occurred_on"])
    document = case.documents.filter(kind=DocumentKind.EVIDENCE).order_by("-id").first()
    change, _warnings = registry_services.member_change(
        actor=ctx.actor,
        household_id=case.household.pk,
        kind=payload["change_kind"],
        occurred_on=occurred,
        reason=f"{case.case_no} {payload.get('reason') or ctx.comment}".strip()[:500],
        evidence=document.file if document else None,
        member_id=payload.get("member_id"),
        new_member=identity.unseal(payload["new_member"]) if payload.get("new_member") else None,
        new_head_id=payload.get("new_head_id"),
    )
    case.household.refresh_from_db()
    registry_status.income_follow_size(
        actor=ctx.actor, household_id=case.household.pk, from_year=occurred.year
    )
    case.data["member_change_id"] = change.pk
    case.save(update_fields=["data"])


CHANGE_FLOW = register(
    Flow(
        kind="member_change",
        label="家庭成员自然变更",
        subject_level=SubjectLevel.HOUSEHOLD,
        prefix="BG",
        states={"applied": "村申报", "approved": "乡镇已审核并变更", "rejected": "已退回"},
        initial="applied",
        terminal=frozenset({"approved", "rejected"}),
        create_roles=VILLAGE,
        create_level=V,
        summary="村申报（附证明材料） → 乡镇审核 → 变更生效（人口数与人均收入随之调整）",
        steps=[
            Step("township_approve", "乡镇审核通过", ("applied",), "approved", TOWNSHIP, T,
                 document=DocumentKind.EVIDENCE, effects=(_apply_change,)),
            Step("township_reject", "乡镇退回", ("applied",), "rejected", TOWNSHIP, T,
                 comment_required=True, style="reject"),
        ],
    )
)  # fmt: skip
