"""The life of an alert as a workflow (kind "alert"): 已分派待督办 → 已督办待整改 → 已提交整改 →
核验销号, or 退回重新整改; an alert whose condition has cleared can be closed with a verification
note; an overdue rectification escalates (`services.alerts_escalate_overdue`)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from fupin.supervision.alerts.models import Alert, Rectification, SupervisionNotice
from fupin.workflows.engine import Ctx, Flow, Guard, Step, register
from fupin.workflows.models import SubjectLevel

UNIT_ROLES = frozenset({"village", "first_secretary", "township", "poverty_office"})
SUPERIOR_ROLES = frozenset({"township", "poverty_office"})


def alert_of(ctx: Ctx) -> Alert:
    # Locked inside a transition; `engine.preview` (a page showing the guards) runs the same
    # guards outside any transaction, where a row lock is neither possible nor needed.
    rows = Alert.objects.filter(case=ctx.case)
    return (rows.select_for_update() if connection.in_atomic_block else rows).get()


def _is_responsible_unit(ctx: Ctx) -> str | None:
    alert = alert_of(ctx)
    if ctx.grant is None or ctx.grant.region_code != alert.unit_code:
        return "须由责任单位办理（预警所在的责任区划）"
    return None


def _is_superior(ctx: Ctx) -> str | None:
    alert = alert_of(ctx)
    if ctx.grant is None or len(ctx.grant.region_code) >= len(alert.unit_code):
        return "须由责任单位的上级单位督办、核验"
    return None


def _has_rectification(ctx: Ctx) -> str | None:
    alert = alert_of(ctx)
    pending = alert.rectifications.filter(result=Rectification.Result.PENDING).first()
    if pending is None:
        return "请先填写整改情况"
    if not pending.files.exists():
        return "请上传整改佐证材料（照片或文件）"
    return None


def _condition_cleared(ctx: Ctx) -> str | None:
    if alert_of(ctx).cleared_at is None:
        return "预警条件仍然存在，须整改后核验销号"
    return None


def _verify(result: str):  # type: ignore[no-untyped-def]
    def effect(ctx: Ctx) -> None:
        alert = alert_of(ctx)
        alert.rectifications.filter(result=Rectification.Result.PENDING).update(
            result=result,
            verification=ctx.comment,
            verified_by_id=ctx.actor.user_id,
            verified_at=timezone.now(),
        )

    return effect


def _issue(ctx: Ctx) -> None:
    """Write the numbered 督办通知 with its deadline; the alert's due date follows it."""
    import datetime as dt

    from fupin.core import params
    from fupin.core.errors import ValidationFailed
    from fupin.regions.models import Region
    from fupin.workflows.engine import next_case_no

    alert = alert_of(ctx)
    assert ctx.grant is not None
    deadline = ctx.data.get("deadline")
    if isinstance(deadline, str) and deadline:
        deadline = dt.date.fromisoformat(deadline)
    if not deadline:
        days = int(params.get("supervision.deadline_days", region_code=alert.region_code))
        deadline = ctx.today + dt.timedelta(days=days)
    if deadline <= ctx.today:
        raise ValidationFailed("整改期限应晚于今天", errors={"deadline": ["应晚于今天"]})
    content = str(ctx.data.get("content") or "").strip() or (
        f"经预警监测发现：{ctx.case.title}。请立即核实并整改。"
    )
    unit = Region.objects.filter(code=alert.unit_code).first()
    number = next_case_no("DB", alert.county_code, ctx.today.year).rsplit("-", 1)[-1]
    notice = SupervisionNotice.objects.create(
        alert=alert,
        notice_no=f"{ctx.grant.region_name}扶督〔{ctx.today.year}〕{int(number)}号",
        issuer_code=ctx.grant.region_code,
        issuer_name=ctx.grant.region_name,
        unit_code=alert.unit_code,
        unit_name=unit.name if unit else alert.unit_code,
        content=content,
        requirement=str(ctx.data.get("requirement") or "").strip()
        or "请于整改期限前完成整改，并上传整改情况及佐证材料（照片、文件）。",
        deadline=deadline,
        issued_on=ctx.today,
        created_by_id=ctx.actor.user_id,
        updated_by_id=ctx.actor.user_id,
    )
    alert.due_date = notice.deadline
    alert.save(update_fields=["due_date"])
    ctx.data["deadline"] = deadline.isoformat()
    ctx.case.data["notice_no"] = notice.notice_no
    ctx.case.save(update_fields=["data"])


def _close(ctx: Ctx) -> None:
    Alert.objects.filter(case=ctx.case).update(is_open=False)


RESPONSIBLE = Guard("由责任单位办理", _is_responsible_unit)
SUPERIOR = Guard("由上级单位办理", _is_superior)

FLOW = register(
    Flow(
        kind="alert",
        label="监管预警",
        subject_level=SubjectLevel.HOUSEHOLD,
        prefix="YJ",
        states={
            "assigned": "已分派待督办",
            "noticed": "已督办待整改",
            "submitted": "已提交整改",
            "closed": "已销号",
        },
        initial="assigned",
        terminal=frozenset({"closed"}),
        create_roles=SUPERIOR_ROLES,
        create_level=3,
        summary="预警 → 分派责任单位 → 督办 → 整改（附佐证） → 上级核验 → 销号；逾期未整改自动升级",
        steps=[
            Step("issue_notice", "下发督办通知", ("assigned", "noticed"), "noticed",
                 SUPERIOR_ROLES, 4, extra_levels=(3, 2, 1), guards=(SUPERIOR,),
                 effects=(_issue,), fields=("deadline", "content", "requirement")),
            Step("submit", "提交整改情况", ("noticed",), "submitted", UNIT_ROLES, 5,
                 extra_levels=(4, 3), guards=(RESPONSIBLE, Guard("已提交整改佐证", _has_rectification))),
            Step("verify", "核验通过，销号", ("submitted",), "closed", SUPERIOR_ROLES, 4,
                 extra_levels=(3, 2, 1), guards=(SUPERIOR,), comment_required=True,
                 effects=(_verify(Rectification.Result.ACCEPTED), _close)),
            Step("return", "退回重新整改", ("submitted",), "noticed", SUPERIOR_ROLES, 4,
                 extra_levels=(3, 2, 1), guards=(SUPERIOR,), comment_required=True,
                 effects=(_verify(Rectification.Result.RETURNED),), style="back"),
            Step("close_cleared", "条件已消除，核实销号", ("assigned", "noticed", "submitted"),
                 "closed", SUPERIOR_ROLES, 4, extra_levels=(3, 2, 1),
                 guards=(SUPERIOR, Guard("预警条件已消除", _condition_cleared)),
                 comment_required=True, effects=(_close,)),
            Step("escalate", "逾期未整改，升级督办", ("noticed",), "noticed", system=True),
        ],
    )
)  # fmt: skip
