"""贫困户脱贫 (SPEC §3): 村两委和驻村工作队提名 → 民主评议 → 农户签字确认 → 村内公示 →
乡镇审核 → 县审定 → 公告 → 标注已脱贫.

The criteria checklist (fupin.workflows.cases.criteria) guards the publication and both approvals:
a failing criterion blocks the case unless an authorised township or county user has recorded
an override reason on it (`override_exit_criteria`), which is audited and reported. 脱贫不脱政策:
the exit changes the household's status only; its measures and helpers stay.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.context import audit_context
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.registry import codes
from fupin.workflows.cases import criteria
from fupin.workflows.cases.models import Case, DocumentKind, SubjectLevel, Transition
from fupin.workflows.engine import (
    Ctx,
    Flow,
    Guard,
    Step,
    acting_grant,
    actor_label,
    lock_case,
    register,
    stale_message,
)
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

KIND = "household_exit"


def checklist(case: Case) -> list[criteria.Criterion]:
    assert case.household is not None
    return criteria.household_exit_criteria(case.household, case.year, case.data)


def _criteria_met(ctx: Ctx) -> str | None:
    failures = criteria.failed(checklist(ctx.case))
    if not failures or ctx.case.override_reason:
        return None
    names = "、".join(f.label for f in failures)
    return f"未达到脱贫标准：{names}。如确需继续，须由乡镇或县级审核人员登记放行理由"


CRITERIA = Guard("脱贫标准全部达标（或已登记放行理由）", _criteria_met)


def _record_income(ctx: Ctx) -> None:
    income = ctx.case.household.incomes.filter(year=ctx.case.year).first()  # type: ignore[union-attr]
    if income is not None:
        ctx.case.data["per_capita"] = str(income.per_capita)
        ctx.case.save(update_fields=["data"])


def _mark_exited(ctx: Ctx) -> None:
    set_status(ctx, codes.Status.EXITED, exit_year=ctx.case.year)


STATES = {
    "proposed": "村提名",
    "deliberated": "已民主评议",
    "consented": "农户已签字确认",
    "village_notice": "村内公示中",
    "township_approved": "乡镇已审核",
    "county_approved": "县已审定",
    "county_notice": "县级公告中",
    "exited": "已脱贫",
    "withdrawn": "已终止",
}

FLOW = register(
    Flow(
        kind=KIND,
        label="贫困户退出",
        subject_level=SubjectLevel.HOUSEHOLD,
        prefix="TC",
        states=STATES,
        initial="proposed",
        terminal=frozenset({"exited", "withdrawn"}),
        objection_target="deliberated",
        create_roles=VILLAGE,
        create_level=V,
        summary="村提名 → 民主评议 → 农户签字确认 → 村内公示 → 乡镇审核 → 县审定 → 公告 → 标注脱贫",
        steps=[
            Step("deliberate", "民主评议", ("proposed",), "deliberated", VILLAGE, V,
                 comment_required=True, fields=("food_secure", "clothing_secure")),
            Step("consent", "农户签字确认", ("deliberated",), "consented", VILLAGE, V,
                 document=DocumentKind.CONSENT, guards=(OBJECTIONS_RESOLVED,)),
            Step("publish_village", "发布村内公示", ("consented",), "village_notice", VILLAGE, V,
                 guards=(CRITERIA,), effects=(_record_income, publish_effect),
                 notice_level=NoticeLevel.VILLAGE),
            Step("township_approve", "乡镇审核通过", ("village_notice",), "township_approved",
                 TOWNSHIP, T, guards=(notice_completed(NoticeLevel.VILLAGE), CRITERIA)),
            Step("township_return", "乡镇退回", ("village_notice", "township_approved"),
                 "deliberated", TOWNSHIP, T, comment_required=True, style="back"),
            Step("county_approve", "县审定通过", ("township_approved",), "county_approved",
                 OFFICE, C, guards=(CRITERIA,)),
            Step("county_return", "县退回乡镇", ("township_approved", "county_approved"),
                 "deliberated", OFFICE, C, comment_required=True, style="back"),
            Step("publish_county", "发布脱贫公告", ("county_approved",), "county_notice", OFFICE, C,
                 effects=(publish_effect,), notice_level=NoticeLevel.COUNTY),
            Step("mark_exited", "标注脱贫", ("county_notice",), "exited", OFFICE, C,
                 guards=(notice_completed(NoticeLevel.COUNTY),), effects=(_mark_exited,)),
            Step("withdraw", "终止退出", ("proposed", "deliberated", "consented", "village_notice",
                                        "township_approved", "county_approved"),
                 "withdrawn", TOWNSHIP | OFFICE, T, comment_required=True, style="reject",
                 extra_levels=(C,)),
            Step("objection", "收到异议退回核实",
                 ("village_notice", "township_approved", "county_approved", "county_notice"),
                 "deliberated", system=True),
        ],
    )
)  # fmt: skip

OVERRIDE_ROLES = TOWNSHIP | OFFICE


def can_override(actor: Actor, case: Case) -> bool:
    return (
        case.kind == KIND
        and case.is_open
        and acting_grant(actor, OVERRIDE_ROLES, (T, C), case.region_code) is not None
    )


@transaction.atomic
def exit_criteria_override(*, actor: Actor, case_id: int, version: int, reason: str) -> Case:
    """Let an exit that fails a criterion go on, with the reason recorded (and reported on the
    exit dashboard). Only township or county reviewers may; the failing items are kept."""
    case = lock_case(case_id)
    actor.require(Perm.CASE_VIEW, case.region_code)
    actor.require_write(Perm.CASE_ACT, case.region_code, "只读角色不能放行")
    if case.kind != KIND:
        raise ValidationFailed("只有贫困户退出办件可以登记放行理由")
    if version != case.version:
        raise Conflict(stale_message(case, FLOW))
    if not can_override(actor, case):
        raise PermissionDenied("放行须由乡镇或县级审核人员办理")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationFailed(
            "请详细填写放行理由（至少10个字）", errors={"reason": ["请填写放行理由"]}
        )
    failures = criteria.failed(checklist(case))
    if not failures:
        raise ValidationFailed("各项脱贫标准均已达标，无需放行")
    grant = acting_grant(actor, OVERRIDE_ROLES, (T, C), case.region_code)
    assert grant is not None
    with audit_context(reason=f"未达标放行：{reason}"[:500]):
        case.override_reason = reason[:500]
        case.override_by_id = actor.user_id
        case.override_at = timezone.now()
        case.override_failures = [
            {"code": f.code, "label": f.label, "detail": f.detail} for f in failures
        ]
        case.version += 1
        case.updated_by_id = actor.user_id
        case.save(update_fields=["override_reason", "override_by", "override_at",
                                 "override_failures", "version", "updated_by", "updated_at"])  # fmt: skip
        Transition.objects.create(
            case=case, name="override", label="登记未达标放行理由", from_state=case.state,
            to_state=case.state, actor_id=actor.user_id, actor_name=actor_label(actor),
            role_name=grant.role_name, region_name=grant.region_name, comment=reason,
            data={"failures": case.override_failures},
        )  # fmt: skip
    return case
