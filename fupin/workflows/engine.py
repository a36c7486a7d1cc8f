"""The workflow core: case types declare their states and a transition table; `transition`
is the only way a case's state changes (STYLE rule 4).

Each step of the table says who may take it (role codes, and the region level at which the
acting grant must sit: 5 village · 4 township · 3 county · 2 city · 1 province), from which
states, to which state, what must hold first (guards, each returning a Chinese message when
it fails), what must be attached (a document kind, a comment) and what it does (effects, run
in the same transaction). Later domains register their own flows with `register`.

Concurrency: the case row is locked (SELECT … FOR UPDATE) and the caller's `version` is
compared, so of two officials approving the same case at once exactly one succeeds; the other
gets a Conflict naming who acted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from fupin.core import uploads
from fupin.core.access import Actor, GrantInUse, Perm
from fupin.core.context import audit_context
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.regions.models import Region
from fupin.workflows.cases.models import Case, CaseDocument, Transition

LEVEL_NAMES = {1: "省级", 2: "市级", 3: "县级", 4: "乡镇", 5: "村级"}
ROLE_NAMES = {
    "village": "村两委",
    "first_secretary": "驻村工作队",
    "township": "乡镇工作人员",
    "poverty_office": "扶贫办",
    "industry": "行业部门",
}


@dataclass
class Ctx:
    """What guards and effects see."""

    case: Case
    actor: Actor
    grant: GrantInUse | None
    step: Step
    comment: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    today: dt.date = field(default_factory=lambda: timezone.localdate())
    batch_id: int | None = None


GuardFn = Callable[[Ctx], "str | None"]
EffectFn = Callable[[Ctx], None]


@dataclass(frozen=True)
class Guard:
    """A precondition: `check` returns None when it holds, else the Chinese reason."""

    label: str
    check: GuardFn


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str] = frozenset()
    level: int = 0
    guards: tuple[Guard, ...] = ()
    effects: tuple[EffectFn, ...] = ()
    comment_required: bool = False
    document: str | None = None
    style: str = "forward"  # forward | back | reject: how the page shows the button
    system: bool = False  # taken by the platform itself (e.g. an objection), never offered
    notice_level: str | None = None  # the step publishes the case on a notice at this level
    fields: tuple[str, ...] = ()  # extra form inputs the step records into case.data
    extra_levels: tuple[int, ...] = ()  # other levels that may also take the step

    @property
    def levels(self) -> tuple[int, ...]:
        return (self.level, *self.extra_levels)

    def who(self) -> str:
        roles = "、".join(ROLE_NAMES.get(r, r) for r in sorted(self.roles))
        levels = "或".join(LEVEL_NAMES.get(level, "") for level in self.levels)
        return f"{levels}{roles}"


@dataclass
class Flow:
    kind: str
    label: str
    subject_level: str
    prefix: str
    states: dict[str, str]  # code → Chinese label, in procedure order
    initial: str
    terminal: frozenset[str]
    steps: list[Step]
    objection_target: str = ""  # where an objection sends the case back (verification)
    create_roles: frozenset[str] = frozenset()
    create_level: int = 5
    summary: str = ""

    def step(self, name: str) -> Step:
        for candidate in self.steps:
            if candidate.name == name:
                return candidate
        raise ValidationFailed(f"办理操作“{name}”不存在", errors={"step": ["操作不存在"]})

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)

    def steps_from(self, state: str) -> list[Step]:
        return [s for s in self.steps if state in s.sources and not s.system]


FLOWS: dict[str, Flow] = {}
# Run after every returning or rejecting step of any flow (e.g. take the case off the notices
# still running: a returned case is no longer proposed to the public).
ON_TURN_BACK: list[EffectFn] = []


def register(flow: Flow) -> Flow:
    states = set(flow.states)
    for step in flow.steps:
        unknown = (set(step.sources) | {step.target}) - states
        assert not unknown, f"{flow.kind}.{step.name}: unknown states {unknown}"
    assert flow.initial in states and flow.terminal <= states
    FLOWS[flow.kind] = flow
    return flow


def flow_of(kind: str) -> Flow:
    try:
        return FLOWS[kind]
    except KeyError as exc:
        raise ValidationFailed(f"办件类型“{kind}”不存在") from exc


def kind_label(kind: str) -> str:
    flow = FLOWS.get(kind)
    return flow.label if flow else kind


def kind_choices() -> list[tuple[str, str]]:
    return [(f.kind, f.label) for f in FLOWS.values()]


# --- who may act ------------------------------------------------------------------------------


def acting_grant(
    actor: Actor, roles: Iterable[str], levels: int | Iterable[int], region_code: str
) -> GrantInUse | None:
    """The actor's grant that may take a step of (roles, levels) on a subject in region_code."""
    roles = frozenset(roles)
    levels = frozenset((levels,) if isinstance(levels, int) else levels)
    for grant in actor.in_use():
        if (
            grant.role_code in roles
            and grant.region_level in levels
            and grant.covers(region_code)
            and Perm.CASE_ACT in grant.perms
            and not grant.read_only
        ):
            return grant
    return None


def can_take(actor: Actor, step: Step, case: Case) -> bool:
    return (
        not step.system
        and acting_grant(actor, step.roles, step.levels, case.region_code) is not None
    )


def require_acting_grant(actor: Actor, step: Step, case: Case) -> GrantInUse:
    grant = acting_grant(actor, step.roles, step.levels, case.region_code)
    if grant is None:
        raise PermissionDenied(f"“{step.label}”须由{step.who()}办理，您当前的身份不能办理此环节")
    return grant


def acting_scope_q(actor: Actor, *, field_prefix: str = "") -> Q:
    """Cases waiting for the actor: in a state one of the actor's grants may move forward.
    A return (退回) or an end (不予识别, 终止退出) the actor could also take does not make a
    case wait for them: the township may stop a case still with the village, but it waits for
    the village."""
    query = Q(pk__in=[])
    for flow in FLOWS.values():
        for step in flow.steps:
            if step.system or step.style != "forward":
                continue
            for grant in actor.in_use():
                if (
                    grant.role_code in step.roles
                    and grant.region_level in step.levels
                    and Perm.CASE_ACT in grant.perms
                    and not grant.read_only
                ):
                    query |= Q(
                        **{
                            f"{field_prefix}kind": flow.kind,
                            f"{field_prefix}state__in": step.sources,
                            f"{field_prefix}region_code__startswith": grant.region_code,
                        }
                    )
    return query


def json_safe(value: Any) -> Any:
    """Step inputs kept on the case and the timeline: dates and amounts as strings."""
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def actor_label(actor: Actor) -> str:
    """How the timeline names who acted: 姓名（用户名）, or 系统 for the platform itself."""
    if not actor.user_id:
        return "系统"
    label = actor.extra.get("label")
    if not isinstance(label, str):  # once per actor: a batch of hundreds asks every time
        from fupin.accounts.models import User

        user = User.objects.filter(pk=actor.user_id).only("username", "real_name").first()
        label = actor.extra["label"] = user.label if user else actor.username
    return label


# --- guards ------------------------------------------------------------------------------------


def guard_failures(ctx: Ctx, *, with_comment: bool = True) -> list[str]:
    """Every reason the step cannot be taken now; `with_comment=False` leaves out the missing
    comment (a page shows the others before the user has typed one)."""
    failures: list[str] = []
    step = ctx.step
    if with_comment and step.comment_required and not ctx.comment.strip():
        failures.append(f"请填写{step.label}意见")
    if step.document and not ctx.case.documents.filter(kind=step.document).exists():
        from fupin.workflows.cases.models import DocumentKind

        failures.append(f"请先上传“{DocumentKind(step.document).label}”")
    for guard in step.guards:
        message = guard.check(ctx)
        if message:
            failures.append(message)
    return failures


def preview(actor: Actor, case: Case, today: dt.date | None = None) -> list[tuple[Step, list[str]]]:
    """The steps the actor may take now, each with the guard messages that would block it."""
    flow = flow_of(case.kind)
    result = []
    for step in flow.steps_from(case.state):
        grant = acting_grant(actor, step.roles, step.levels, case.region_code)
        if grant is None:
            continue
        ctx = Ctx(
            case=case, actor=actor, grant=grant, step=step, today=today or timezone.localdate()
        )
        result.append((step, guard_failures(ctx, with_comment=False)))
    return result


# --- the transition service ----------------------------------------------------------------------


def lock_case(case_id: int) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("region", "household")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def stale_message(case: Case, flow: Flow) -> str:
    last = case.transitions.order_by("-at", "-id").first()
    if last is None:
        return f"该办件已被他人修改，当前环节为“{flow.state_label(case.state)}”，请刷新后查看"
    when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
    return (
        f"该办件已由{last.actor_name or '系统'}于 {when} 办理“{last.label}”，"
        f"当前环节为“{flow.state_label(case.state)}”，请刷新后查看"
    )


def _apply(ctx: Ctx, flow: Flow) -> Case:
    case, step = ctx.case, ctx.step
    from_state = case.state
    now = timezone.now()
    case.state = step.target
    case.version += 1
    case.state_since = now
    case.updated_by_id = ctx.actor.user_id
    if step.target in flow.terminal:
        case.is_open = False
        case.closed_at = now
    for name in step.fields:
        if name in ctx.data:
            case.data[name] = json_safe(ctx.data[name])
    reason = f"{step.label}：{ctx.comment}" if ctx.comment else step.label
    with audit_context(reason=reason[:500]):
        case.save(
            update_fields=[
                "state", "version", "state_since", "updated_by", "is_open", "closed_at",
                "data", "updated_at",
            ]
        )  # fmt: skip
        Transition.objects.create(
            case=case,
            name=step.name,
            label=step.label,
            from_state=from_state,
            to_state=step.target,
            actor_id=ctx.actor.user_id,
            actor_name=actor_label(ctx.actor),
            role_name=ctx.grant.role_name if ctx.grant else "",
            region_name=ctx.grant.region_name if ctx.grant else "",
            comment=ctx.comment,
            data={k: json_safe(ctx.data[k]) for k in step.fields if k in ctx.data},
            batch_id=ctx.batch_id,
        )
        for effect in step.effects:
            effect(ctx)
        if step.style != "forward":
            for hook in ON_TURN_BACK:
                hook(ctx)
    from fupin.workflows.signals import case_changed

    case_changed.send(sender=Case, case=case)
    return case


@transaction.atomic
def case_transition(
    *,
    actor: Actor,
    case_id: int,
    step: str,
    version: int | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
    today: dt.date | None = None,
    batch_id: int | None = None,
) -> Case:
    """Take `step` on the case, atomically. Raises NotFound (outside the jurisdiction),
    PermissionDenied (wrong role/level or read-only), Conflict (the case moved on since the
    caller loaded it) or ValidationFailed (a guard failed; every failing guard is listed)."""
    case = lock_case(case_id)
    actor.require(Perm.CASE_VIEW, case.region_code)
    actor.require_write(Perm.CASE_ACT, case.region_code, "只读角色不能办理案件")
    flow = flow_of(case.kind)
    chosen = flow.step(step)
    if chosen.system:
        raise PermissionDenied(f"“{chosen.label}”由系统自动办理")
    if version is not None and version != case.version:
        raise Conflict(stale_message(case, flow))
    if case.state not in chosen.sources:
        if version is None:
            raise Conflict(stale_message(case, flow))
        raise ValidationFailed(f"当前环节“{flow.state_label(case.state)}”不能办理“{chosen.label}”")
    grant = require_acting_grant(actor, chosen, case)
    ctx = Ctx(
        case=case,
        actor=actor,
        grant=grant,
        step=chosen,
        comment=(comment or "").strip(),
        data=dict(data or {}),
        today=today or timezone.localdate(),
        batch_id=batch_id,
    )
    failures = guard_failures(ctx)
    if failures:
        raise ValidationFailed("；".join(failures), errors={"__all__": failures})
    return _apply(ctx, flow)


def case_system_transition(
    *, case: Case, step: str, actor: Actor, comment: str, today: dt.date | None = None
) -> Case:
    """A step the platform takes by itself (e.g. an objection sends the case back). The
    caller holds the row lock and the transaction."""
    flow = flow_of(case.kind)
    chosen = flow.step(step)
    if case.state not in chosen.sources:
        return case
    ctx = Ctx(
        case=case,
        actor=actor,
        grant=None,
        step=chosen,
        comment=comment,
        today=today or timezone.localdate(),
    )
    return _apply(ctx, flow)


@dataclass
class BatchResult:
    batch_id: int
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def case_batch_transition(
    *,
    actor: Actor,
    case_ids: Sequence[int],
    step: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> BatchResult:
    """Take one step on many cases (a township approving or returning a list): each case
    atomically on its own (one failure does not undo the others), all under one audit batch."""
    from fupin.audit.services import batch_finish, batch_start

    if not case_ids:
        raise ValidationFailed("请选择要办理的办件")
    if len(case_ids) > 2000:
        raise ValidationFailed("一次最多批量办理 2000 件")
    if actor.is_read_only or not actor.has_perm(Perm.CASE_ACT):
        raise PermissionDenied("只读角色不能办理案件")
    batch = batch_start(
        actor=actor, kind="workflow.batch", description=f"批量办理：{step}", reason=comment or step
    )
    result = BatchResult(batch_id=batch.pk)
    for case_id in dict.fromkeys(case_ids):
        try:
            with transaction.atomic(), audit_context(batch_id=batch.pk):
                case_transition(
                    actor=actor,
                    case_id=case_id,
                    step=step,
                    comment=comment,
                    data=data,
                    today=today,
                    batch_id=batch.pk,
                )
            result.done.append(case_id)
        except (ValidationFailed, Conflict, PermissionDenied, NotFound) as exc:
            result.failed[case_id] = exc.message
    batch_finish(batch, len(result.done))
    return result


# --- creation ------------------------------------------------------------------------------------


def next_case_no(prefix: str, county_code: str, year: int) -> str:
    """Case numbers per county and year, e.g. SB-510981-2026-000042, from a sequence that
    never hands out one number twice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('workflows_case_no_seq')")
        row = cursor.fetchone()
    assert row is not None
    return f"{prefix}-{county_code}-{year}-{int(row[0]):06d}"


def case_create(
    *,
    actor: Actor,
    kind: str,
    region: Region,
    title: str,
    household: Any = None,
    year: int | None = None,
    data: dict[str, Any] | None = None,
    channel: str = "",
    system: bool = False,
) -> Case:
    """Open a case in its flow's initial state (the caller holds the transaction). `system`
    cases (a public declaration, an automatic warning) skip the role check."""
    flow = flow_of(kind)
    grant = None
    if not system:
        actor.require(Perm.CASE_VIEW, region.code)
        actor.require_write(Perm.CASE_ACT, region.code, "只读角色不能发起办件")
        grant = acting_grant(actor, flow.create_roles, flow.create_level, region.code)
        if grant is None:
            roles = "、".join(ROLE_NAMES.get(r, r) for r in sorted(flow.create_roles))
            raise PermissionDenied(
                f"“{flow.label}”须由{LEVEL_NAMES.get(flow.create_level, '')}{roles}发起"
            )
    year = year or timezone.localdate().year
    case = Case(
        case_no=next_case_no(flow.prefix, region.code[:6], year),
        kind=kind,
        state=flow.initial,
        subject_level=flow.subject_level,
        household=household,
        region=region,
        region_code=region.code,
        county_code=region.code[:6],
        year=year,
        title=title[:200],
        data=data or {},
        channel=channel,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        if "case_one_open" in str(exc):
            raise ValidationFailed(f"该对象已有办理中的“{flow.label}”，不能重复发起") from exc
        raise
    Transition.objects.create(
        case=case,
        name="create",
        label="发起" if not system else "登记",
        from_state="",
        to_state=case.state,
        actor_id=actor.user_id,
        actor_name=actor_label(actor),
        role_name=grant.role_name if grant else "",
        region_name=grant.region_name if grant else "",
        comment=str((data or {}).get("reason", ""))[:1000],
    )
    return case


CASE_DOCUMENTS = uploads.Accept(
    suffixes=uploads.OFFICE_SUFFIXES,
    label=uploads.OFFICE_LABEL,
    max_mb=uploads.DOCUMENT_MAX_MB,
    what="材料",
    wrong_suffix="材料格式不支持，请上传 PDF、图片或 Office 文件",
)


def case_document_attach(
    *, actor: Actor, case: Case, kind: str, upload: Any, note: str = ""
) -> CaseDocument:
    """Add a document to a case (PDF, image or office file, checked by content; at most the
    `uploads.document_max_mb` parameter)."""
    from fupin.workflows.cases.models import DocumentKind

    actor.require_write(Perm.CASE_ACT, case.region_code, "只读角色不能上传材料")
    if kind not in DocumentKind.values:
        raise ValidationFailed("材料类型无效", errors={"kind": ["请选择材料类型"]})
    if not case.is_open:
        raise ValidationFailed("办件已办结，不能再上传材料")
    name = getattr(upload, "name", "") or "材料"
    size = int(getattr(upload, "size", 0) or 0)
    uploads.check(upload, CASE_DOCUMENTS)
    document = CaseDocument(
        case=case,
        kind=kind,
        name=name[:255],
        size=size,
        note=note[:200],
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    document.file.save(name, upload, save=False)
    document.save()
    return document
