"""Public notices (公示/公告) and objections (异议), SPEC §3 and §10.

A step with `notice_level` publishes its case on the notice of that place, kind and stage
that started today (cases published the same day share one list), or opens a new one running
`workflows.notice_days` days. `notice_completed(level)` is the guard of the step after it: the
period must be over and no objection may be pending. An objection withdraws the case from the
notice and sends it back to verification at once (the flow's `objection_target`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.core import params
from fupin.core.access import Actor, Perm, system_actor
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.masking import mask_id_number, mask_name
from fupin.regions.models import CODE_LENGTH, Level, Region
from fupin.registry import identity
from fupin.workflows.cases.models import Case
from fupin.workflows.engine import ON_TURN_BACK, Ctx, Guard, case_system_transition, flow_of
from fupin.workflows.notices import selectors
from fupin.workflows.notices.models import (
    Notice,
    NoticeEntry,
    NoticeLevel,
    NoticeStatus,
    Objection,
    ObjectionSource,
    ObjectionStatus,
)

PLACE_LEVEL = {
    NoticeLevel.VILLAGE: Level.VILLAGE,
    NoticeLevel.TOWNSHIP: Level.TOWNSHIP,
    NoticeLevel.COUNTY: Level.COUNTY,
    NoticeLevel.CITY: Level.CITY,
    NoticeLevel.PROVINCE: Level.PROVINCE,
}


def notice_days(region_code: str) -> int:
    return int(params.get("workflows.notice_days", region_code=region_code))


def period_end(start: dt.date, region_code: str) -> dt.date:
    """The last day of a notice starting on `start` (both days count)."""
    return start + dt.timedelta(days=notice_days(region_code) - 1)


def place_of(region_code: str, level: str) -> Region:
    code = region_code[: CODE_LENGTH[PLACE_LEVEL[NoticeLevel(level)]]]
    place = Region.objects.filter(code=code).first()
    if place is None:
        raise ValidationFailed(f"找不到公示地点（区划代码 {code}）")
    return place


def public_id(number: str) -> str:
    """The public form (first 3, last 2 by default) of a full ID number. The staff mask keeps
    the area code only, so the public tail is taken from the decrypted number."""
    return mask_id_number(
        number,
        keep_head=int(params.get("public.id_mask_head")),
        keep_tail=int(params.get("public.id_mask_tail")),
    )


def public_line(case: Case) -> dict[str, Any]:
    """What the notice shows of a case: masked name, at most 3+2 ID characters, never a phone,
    health or disability detail (SPEC §10)."""
    line: dict[str, Any] = {"case_no": case.case_no, "region": case.region.name}
    household = case.household
    if household is not None:
        head = household.members.filter(relation="head", left_on__isnull=True).first()
        line.update(
            head=mask_name(household.head_name),
            id=public_id(identity.reveal(head.id_cipher)) if head else "",
            size=household.declared_size,
        )
        if "per_capita" in case.data:
            line["per_capita"] = str(case.data["per_capita"])
    if "incidence" in case.data:
        line["incidence"] = str(case.data["incidence"])
    if "category_label" in case.data:
        line["category"] = case.data["category_label"]
    return line


def publish_effect(ctx: Ctx) -> None:
    """Effect of a publishing step: put the case on today's notice of its place and stage."""
    case, step = ctx.case, ctx.step
    assert step.notice_level
    level = NoticeLevel(step.notice_level)
    place = place_of(case.region_code, level)
    flow = flow_of(case.kind)
    # Serialise publishers of one place, stage and day: without it two cases published at
    # the same moment both find no notice of the day and open one each.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"notice:{case.kind}:{step.name}:{place.code}:{ctx.today.isoformat()}"],
        )
    notice = (
        Notice.objects.select_for_update()
        .filter(
            kind=case.kind,
            stage=step.name,
            region=place,
            start_date=ctx.today,
            status=NoticeStatus.ACTIVE,
        )
        .first()
    )
    if notice is None:
        notice = Notice.objects.create(
            notice_no=_notice_no(place.code[:6], ctx.today.year),
            kind=case.kind,
            stage=step.name,
            level=level,
            region=place,
            region_code=place.code,
            county_code=place.code[:6],
            title=f"{place.name}{flow.label}{level.label}",
            body=_default_body(flow.label, level, place.name),
            start_date=ctx.today,
            end_date=period_end(ctx.today, place.code),
            created_by_id=ctx.actor.user_id,
            updated_by_id=ctx.actor.user_id,
        )
    NoticeEntry.objects.update_or_create(
        notice=notice, case=case, defaults={"published": public_line(case), "withdrawn": False}
    )


def withdraw_from_running_notices(ctx: Ctx) -> None:
    """A case returned or rejected while on a notice leaves the notices still running."""
    NoticeEntry.objects.filter(
        case=ctx.case, withdrawn=False, notice__end_date__gte=ctx.today
    ).update(withdrawn=True, withdrawn_reason=f"{ctx.step.label}，撤出公示")


ON_TURN_BACK.append(withdraw_from_running_notices)


def _notice_no(county_code: str, year: int) -> str:
    from fupin.workflows.engine import next_case_no

    return next_case_no("GS", county_code, year)


def _default_body(kind_label: str, level: NoticeLevel, place: str) -> str:
    return (
        f"根据精准扶贫有关规定，现将{place}{kind_label}名单予以{level.label[-2:]}。"
        "如有异议，请在公示期内向村（居）民委员会、乡镇人民政府或监督电话反映，"
        "也可在“阳光扶贫”公开页面在线提出，我们将及时核实处理。"
    )


def current_entry(case: Case, level: str) -> NoticeEntry | None:
    """The case's latest entry (not withdrawn) on a notice of that level."""
    return (
        NoticeEntry.objects.select_related("notice")
        .filter(case=case, notice__level=level, withdrawn=False)
        .exclude(notice__status=NoticeStatus.WITHDRAWN)
        .order_by("-notice__start_date", "-id")
        .first()
    )


def pending_objections(case: Case) -> QuerySet[Objection]:
    return Objection.objects.filter(case=case, status=ObjectionStatus.PENDING)


def notice_completed(level: str) -> Guard:
    label = NoticeLevel(level).label

    def check(ctx: Ctx) -> str | None:
        entry = current_entry(ctx.case, level)
        if entry is None:
            return f"尚未进行{label}"
        notice = entry.notice
        if ctx.today <= notice.end_date:
            return (
                f"{label}期未满：公示至 {notice.end_date:%Y-%m-%d} 截止，"
                f"{notice.end_date + dt.timedelta(days=1):%Y-%m-%d} 起方可办理"
            )
        if pending_objections(ctx.case).exists():
            return "该户有尚未核实的公示异议，请先核实处理"
        return None

    return Guard(f"{label}期满且无异议", check)


def no_pending_objection() -> Guard:
    def check(ctx: Ctx) -> str | None:
        if pending_objections(ctx.case).exists():
            return "有尚未核实的公示异议，请先在“异议”处登记核实结论"
        return None

    return Guard("异议已核实", check)


# --- objections ----------------------------------------------------------------------------------


def is_running(notice: Notice, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return notice.status == NoticeStatus.ACTIVE and notice.start_date <= today <= notice.end_date


@dataclass
class ObjectionInput:
    content: str
    name: str = ""
    phone: str = ""
    entry_id: int | None = None


@transaction.atomic
def objection_submit(
    *,
    notice_id: int,
    data: ObjectionInput,
    actor: Actor | None = None,
    today: dt.date | None = None,
) -> Objection:
    """Record an objection (public form when `actor` is None, else staff) and send the case
    back to verification. Public objections are accepted only while the notice runs."""
    today = today or timezone.localdate()
    if actor is not None:
        selectors.access_notice(actor, notice_id)  # 404 for a notice that is not theirs
        if actor.is_read_only or not actor.has_perm(Perm.CASE_ACT):
            raise PermissionDenied("只读角色不能登记异议")
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("公示不存在")
    if actor is None and not is_running(notice, today):
        raise ValidationFailed("该公示不在公示期内，不能在线提出异议；如有问题请拨打监督电话")
    content = (data.content or "").strip()
    if len(content) < 5:
        raise ValidationFailed(
            "请填写异议内容（至少5个字）", errors={"content": ["请填写异议内容"]}
        )
    if len(content) > 2000:
        raise ValidationFailed("异议内容不能超过2000字", errors={"content": ["内容过长"]})
    phone = (data.phone or "").strip()
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 12):
        raise ValidationFailed("联系电话格式不正确", errors={"phone": ["请填写7–12位数字"]})
    # Staff choose among the entries of their jurisdiction only (a county notice lists other
    # townships' cases too); the public among all of them.
    entries = notice.entries.select_related("case")
    if actor is not None:
        entries = entries.filter(actor.scope_q(Perm.CASE_VIEW, "case__region_code"))
    entry = None
    if data.entry_id is not None:
        entry = entries.filter(pk=data.entry_id).first()
        if entry is None:
            raise ValidationFailed("请选择公示名单中的对象", errors={"entry": ["不在本公示名单中"]})
    elif entries.count() == 1:
        entry = entries.get()
    if entry is None:
        raise ValidationFailed("请选择异议针对的对象", errors={"entry": ["请选择"]})
    if actor is not None:
        actor.require(Perm.CASE_VIEW, entry.case.region_code)
        actor.require_write(Perm.CASE_ACT, entry.case.region_code, "只读角色不能登记异议")
    objection = Objection.objects.create(
        notice=notice,
        entry=entry,
        case=entry.case,
        county_code=notice.county_code,
        source=ObjectionSource.STAFF if actor else ObjectionSource.PUBLIC,
        name=(data.name or "").strip()[:50],
        phone=phone,
        content=content,
        created_by_id=actor.user_id if actor else None,
    )
    _send_back(entry, actor, today)
    return objection


def _send_back(entry: NoticeEntry, actor: Actor | None, today: dt.date) -> None:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("region", "household")
        .get(pk=entry.case_id)
    )
    flow = flow_of(case.kind)
    if not case.is_open or not flow.objection_target:
        return
    if not entry.withdrawn:
        entry.withdrawn = True
        entry.withdrawn_reason = "收到异议，退回核实"
        entry.save(update_fields=["withdrawn", "withdrawn_reason"])
    case_system_transition(
        case=case,
        step="objection",
        actor=actor or system_actor(),
        comment="公示期间收到异议，退回核实",
        today=today,
    )


@transaction.atomic
def objection_resolve(
    *, actor: Actor, objection_id: int, upheld: bool, resolution: str
) -> Objection:
    """Record the verification finding on an objection (by the case's village or township)."""
    objection = Objection.objects.select_for_update().filter(pk=objection_id).first()
    if objection is None:
        raise NotFound()
    region = objection.case.region_code if objection.case else objection.notice.region_code
    actor.require(Perm.CASE_VIEW, region)
    actor.require_write(Perm.CASE_ACT, region, "只读角色不能核实异议")
    if objection.status != ObjectionStatus.PENDING:
        raise ValidationFailed("该异议已核实")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed("请填写核实结论", errors={"resolution": ["必填"]})
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution = resolution[:2000]
    objection.resolved_by_id = actor.user_id
    objection.resolved_at = timezone.now()
    objection.updated_by_id = actor.user_id
    objection.version += 1
    objection.save()
    return objection


# --- reads ---------------------------------------------------------------------------------------


def public_notices(region_code: str, today: dt.date | None = None) -> QuerySet[Notice]:
    """Running notices at or under a region, for the public page (no login)."""
    today = today or timezone.localdate()
    return (
        Notice.objects.filter(
            Q(region_code__startswith=region_code),
            status=NoticeStatus.ACTIVE,
            start_date__lte=today,
            end_date__gte=today,
        )
        .select_related("region")
        .order_by("-start_date", "id")
    )


def notice_outcome(notice: Notice, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if notice.status == NoticeStatus.WITHDRAWN:
        return "已撤回"
    if today <= notice.end_date:
        return "公示中"
    count = notice.objections.count()
    return "公示期满，无异议" if count == 0 else f"公示期满，收到异议 {count} 件"
