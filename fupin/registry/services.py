"""Writes to the registry. Every service takes the actor, checks jurisdiction and permission,
validates with the rule catalogue (errors block, warnings are returned) and is atomic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from fupin.core import codelists, params
from fupin.core.access import Actor, Perm
from fupin.core.errors import Conflict, NotFound, ValidationFailed
from fupin.core.masking import mask_name
from fupin.core.text import clean_text
from fupin.regions.models import Level, Region

from . import codes, identity
from .models import Household, Income, Member, MemberChange
from .validation import Bundle, Issue, validate_bundle

HOUSEHOLD_FIELDS = frozenset(
    f.name
    for f in Household._meta.get_fields()
    if getattr(f, "concrete", False)
    and f.name
    not in {
        "id",
        "village",
        "region_code",
        "county_code",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
        "import_batch_id",
        "helper",
    }
)
MEMBER_FIELDS = frozenset(
    f.name
    for f in Member._meta.get_fields()
    if getattr(f, "concrete", False)
    and f.name
    not in {
        "id",
        "household",
        "county_code",
        "id_cipher",
        "id_hash",
        "id_masked",
        "sex",
        "birth_date",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    }
)


@dataclass
class SaveResult:
    household: Household
    warnings: list[Issue] = field(default_factory=list)


def require_write(actor: Actor, region_code: str) -> None:
    actor.require_write(Perm.HOUSEHOLD_EDIT, region_code, "只读角色不能修改建档立卡数据")


def line_lookup(region_code: str) -> tuple[Any, Any]:
    def poverty(year: int) -> Decimal:
        return Decimal(params.get("registry.poverty_line", region_code=region_code, year=year))

    def monitoring(year: int) -> Decimal:
        return Decimal(params.get("registry.monitoring_line", region_code=region_code, year=year))

    return poverty, monitoring


def check_bundle(bundle: Bundle) -> list[Issue]:
    """Run the catalogue; raise ValidationFailed listing every error, return the warnings."""
    issues = validate_bundle(bundle)
    errors = [i for i in issues if i.is_error]
    if errors:
        raise ValidationFailed(
            "；".join(f"{i.code} {i.message}" for i in errors),
            errors={"__all__": [f"{i.code} {i.message}" for i in errors]},
        )
    return [i for i in issues if not i.is_error]


def duplicate_id_message(
    actor: Actor, id_hash: str, exclude_member_id: int | None = None
) -> str | None:
    """The refusal for an ID number already in the registry, naming the other household
    (masked when it lies outside the actor's jurisdiction)."""
    query = Member.objects.filter(id_hash=id_hash).select_related("household")
    if exclude_member_id is not None:
        query = query.exclude(pk=exclude_member_id)
    other = query.first()
    if other is None:
        return None
    hh = other.household
    if actor.sees(hh.region_code):
        return (
            f"身份证号 {other.id_masked} 已登记为 {hh.head_name} 户（户编号 {hh.household_no}）"
            f"的成员 {other.name}，同一身份证号不能登记在两户"
        )
    return (
        f"身份证号 {other.id_masked} 已登记在其他辖区的 {mask_name(hh.head_name)} 户，"
        "同一身份证号不能登记在两户，请与对方所在地核实"
    )


def _village(actor: Actor, village_code: str) -> Region:
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed(f"村代码“{village_code}”不存在", errors={"village": ["村不存在"]})
    require_write(actor, village.code)
    return village


LABOUR_AGE = 16


def default_labour(birth_date: dt.date, today: dt.date | None = None) -> str:
    """The labour value for a member entered without one: children are not labour force."""
    today = today or timezone.localdate()
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    return codes.Labour.NONE if age < LABOUR_AGE else codes.Labour.ORDINARY


def _build_member(household: Household, data: dict[str, Any]) -> Member:
    stored = identity.store(str(data.get("id_number", "")))
    if not data.get("labour"):
        data = {**data, "labour": default_labour(stored.info.birth_date)}
    member = Member(
        household=household,
        county_code=household.county_code,
        id_cipher=stored.cipher,
        id_hash=stored.hash,
        id_masked=stored.masked,
        sex=stored.info.sex,
        birth_date=stored.info.birth_date,
        **{k: v for k, v in data.items() if k in MEMBER_FIELDS},
    )
    declared_sex = data.get("declared_sex")
    if declared_sex and declared_sex != member.sex:
        raise ValidationFailed(
            f"成员 {member.name} 的性别（{declared_sex}）与身份证号不符（应为{member.sex}）",
            errors={"sex": ["与身份证号不符"]},
        )
    declared_birth = data.get("declared_birth_date")
    if declared_birth and declared_birth != member.birth_date:
        raise ValidationFailed(
            f"成员 {member.name} 的出生日期与身份证号不符（应为 {member.birth_date:%Y-%m-%d}）",
            errors={"birth_date": ["与身份证号不符"]},
        )
    return member


def _full_clean(obj: Any, exclude: list[str], before: dict[str, Any] | None = None) -> None:
    """Model validation, and no code item stopped (停用) chosen anew: `before` holds the
    previous values of the fields an edit changes (None for a new record)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "；".join(f"{k}: {'，'.join(v)}" for k, v in exc.message_dict.items()),
            errors=exc.message_dict,
        ) from exc
    stopped = codelists.stopped_errors(obj, before)
    if stopped:
        raise ValidationFailed(
            "；".join(
                f"{obj._meta.get_field(k).verbose_name}：{'，'.join(v)}" for k, v in stopped.items()
            ),
            errors=stopped,
        )


@transaction.atomic
def household_create(
    *,
    actor: Actor,
    village_code: str,
    data: dict[str, Any],
    members: list[dict[str, Any]],
    today: dt.date | None = None,
) -> SaveResult:
    """Register a household with its members. Errors (Chinese) block; warnings are returned."""
    village = _village(actor, village_code)
    unknown = set(data) - HOUSEHOLD_FIELDS
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    household = Household(
        village=village,
        region_code=village.code,
        county_code=village.code[:6],
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
        **data,
    )
    if not household.declared_size:
        household.declared_size = len(members)
    built = [_build_member(household, m) for m in members]
    seen: dict[str, str] = {}
    for m in built:
        if m.id_hash in seen:
            raise ValidationFailed(f"成员 {seen[m.id_hash]} 与 {m.name} 的身份证号相同")
        seen[m.id_hash] = m.name
        message = duplicate_id_message(actor, m.id_hash)
        if message:
            raise ValidationFailed(message, errors={"id_number": [message]})
    head = next((m for m in built if m.relation == codes.Relation.HEAD), None)
    if head is not None and not household.head_name:
        household.head_name = head.name
    _full_clean(household, exclude=["village", "helper", "created_by", "updated_by"])
    for m in built:
        _full_clean(m, exclude=["household", "created_by", "updated_by"])
    poverty, monitoring = line_lookup(village.code)
    warnings = check_bundle(
        Bundle(
            household=household,
            members=built,
            today=today or timezone.localdate(),
            poverty_line=poverty,
            monitoring_line=monitoring,
        )
    )
    try:
        with transaction.atomic():
            household.save()
            for m in built:
                m.household = household
                m.created_by_id = m.updated_by_id = actor.user_id
            Member.objects.bulk_create(built)
    except IntegrityError as exc:
        if "household_no" in str(exc):
            raise ValidationFailed(
                f"户编号“{household.household_no}”已存在", errors={"household_no": ["已存在"]}
            ) from exc
        if "id_hash" in str(exc):  # a concurrent insert of the same ID number
            raise ValidationFailed("身份证号已被其他户登记，请刷新后核实") from exc
        raise
    recheck(household)
    return SaveResult(household=household, warnings=warnings)


def access_household(actor: Actor, pk: int, perm: Perm = Perm.HOUSEHOLD_VIEW) -> Household:
    household = Household.objects.select_related("village").filter(pk=pk).first()
    if household is None:
        raise NotFound()
    actor.require(perm, household.region_code)
    return household


def bundle_for(household: Household, today: dt.date | None = None) -> Bundle:
    poverty, monitoring = line_lookup(household.region_code)
    return Bundle(
        household=household,
        members=list(household.members.order_by("id")),
        incomes=list(household.incomes.order_by("year")),
        today=today or timezone.localdate(),
        poverty_line=poverty,
        monitoring_line=monitoring,
    )


@transaction.atomic
def household_update(
    *, actor: Actor, pk: int, version: int, data: dict[str, Any], reason: str = ""
) -> SaveResult:
    """Edit household fields with an optimistic lock: a stale `version` raises Conflict."""
    household = access_household(actor, pk)
    require_write(actor, household.region_code)
    unknown = set(data) - HOUSEHOLD_FIELDS
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    before = {key: getattr(household, key) for key in data}
    for key, value in data.items():
        setattr(household, key, value)
    _full_clean(household, exclude=["village", "helper", "created_by", "updated_by"], before=before)
    warnings = check_bundle(bundle_for(household))
    from fupin.core.context import audit_context

    with audit_context(reason=reason or None):
        updated = Household.objects.filter(pk=pk, version=version).update(
            **data, updated_by_id=actor.user_id, version=F("version") + 1
        )
    if not updated:
        raise Conflict()
    household.refresh_from_db()
    recheck(household)
    return SaveResult(household=household, warnings=warnings)


@transaction.atomic
def income_save(
    *,
    actor: Actor,
    household_id: int,
    year: int,
    amounts: dict[str, Decimal | int | str],
    size: int | None = None,
) -> Income:
    """Create or replace a household's income for a year (size defaults to current members)."""
    household = access_household(actor, household_id)
    require_write(actor, household.region_code)
    if size is None:
        size = household.members.filter(left_on__isnull=True).count()
    unknown = set(amounts) - set(codes.INCOME_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知收入项：{', '.join(sorted(unknown))}")
    for key, value in amounts.items():
        if Decimal(str(value)) < 0:
            raise ValidationFailed("收入和支出金额不能为负数", errors={key: ["不能为负数"]})
    income, _ = Income.objects.update_or_create(
        household=household,
        year=year,
        defaults={
            "county_code": household.county_code,
            "size": size,
            "updated_by_id": actor.user_id,
            **amounts,
        },
        create_defaults={
            "county_code": household.county_code,
            "size": size,
            "created_by_id": actor.user_id,
            "updated_by_id": actor.user_id,
            **amounts,
        },
    )
    income.refresh_from_db()
    recheck(household)
    return income


# --- rechecks, member edits and member changes (SPEC §3 dynamic adjustment) -------------------

EVIDENCE_TYPES = {
    ".pdf": b"%PDF",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG",
}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
CORRECTABLE_FIELDS = MEMBER_FIELDS - {"joined_on", "left_on", "left_reason"}


def recheck(household: Household) -> None:
    """Refresh the household's 疑点 after an edit and tell the other domains (supervision
    re-checks its rules on the household)."""
    from .signals import household_changed
    from .validation.sweep import recheck_household

    recheck_household(household)
    household_changed.send(sender=Household, household=household)


def _current_members(household: Household) -> list[Member]:
    return list(household.members.filter(left_on__isnull=True).order_by("id"))


def _sync_size(actor: Actor, household: Household) -> None:
    """declared_size follows the current member count; the household's version moves on."""
    size = household.members.filter(left_on__isnull=True).count()
    head = household.members.filter(left_on__isnull=True, relation=codes.Relation.HEAD).first()
    head_name = head.name if head is not None else household.head_name
    Household.objects.filter(pk=household.pk).update(
        declared_size=size,
        head_name=head_name,
        updated_by_id=actor.user_id,
        version=F("version") + 1,
    )
    household.refresh_from_db()


def _check_household(household: Household) -> list[Issue]:
    return check_bundle(bundle_for(household))


def _refuse_duplicate(actor: Actor, id_hash: str, exclude_member_id: int | None = None) -> None:
    message = duplicate_id_message(actor, id_hash, exclude_member_id=exclude_member_id)
    if message:
        raise ValidationFailed(message, errors={"id_number": [message]})


def _check_evidence(evidence: Any) -> None:
    import os

    name = str(getattr(evidence, "name", "") or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in EVIDENCE_TYPES:
        raise ValidationFailed(
            "证明材料只能是 PDF、JPG 或 PNG 文件",
            errors={"evidence": ["只能上传 PDF、JPG 或 PNG 文件"]},
        )
    size = int(getattr(evidence, "size", 0) or 0)
    if size > EVIDENCE_MAX_BYTES:
        raise ValidationFailed(
            "证明材料不能超过 10 MB", errors={"evidence": ["文件不能超过 10 MB"]}
        )
    evidence.seek(0)
    head = evidence.read(8)
    evidence.seek(0)
    if not bytes(head).startswith(EVIDENCE_TYPES[ext]):
        raise ValidationFailed(
            "证明材料的内容与文件类型不符", errors={"evidence": ["文件内容与扩展名不符"]}
        )


@transaction.atomic
def member_add(
    *, actor: Actor, household_id: int, data: dict[str, Any]
) -> tuple[Member, list[Issue]]:
    """Add a member missed at entry (natural changes go through member_change)."""
    household = access_household(actor, household_id)
    require_write(actor, household.region_code)
    member = _build_member(household, data)
    _refuse_duplicate(actor, member.id_hash)
    member.created_by_id = member.updated_by_id = actor.user_id
    _full_clean(member, exclude=["household", "created_by", "updated_by"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise _integrity_message(exc) from exc
    _sync_size(actor, household)
    warnings = _check_household(household)
    recheck(household)
    return member, warnings


def access_member(actor: Actor, pk: int, perm: Perm = Perm.HOUSEHOLD_VIEW) -> Member:
    member = Member.objects.select_related("household").filter(pk=pk).first()
    if member is None:
        raise NotFound()
    actor.require(perm, member.household.region_code)
    return member


def _apply_member_fields(
    actor: Actor, member: Member, data: dict[str, Any]
) -> dict[str, list[Any]]:
    """Set editable fields (and a new ID number); return {field: [old, new]} of what changed."""
    changed: dict[str, list[Any]] = {}
    unknown = set(data) - CORRECTABLE_FIELDS - {"id_number"}
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    number = str(data.get("id_number") or "").strip()
    if number:
        stored = identity.store(number)
        if stored.hash != member.id_hash:
            _refuse_duplicate(actor, stored.hash, exclude_member_id=member.pk)
            # Only the masked forms reach the change record and the audit trail's readers.
            changed["id_number"] = [member.id_masked, stored.masked]
            member.id_cipher, member.id_hash, member.id_masked = (
                stored.cipher,
                stored.hash,
                stored.masked,
            )
            member.sex, member.birth_date = stored.info.sex, stored.info.birth_date
    for key, value in data.items():
        if key == "id_number":
            continue
        old = getattr(member, key)
        if old != value:
            changed[key] = [_plain(old), _plain(value)]
            setattr(member, key, value)
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


@transaction.atomic
def member_update(
    *, actor: Actor, member_id: int, version: int, data: dict[str, Any], reason: str = ""
) -> tuple[Member, list[Issue]]:
    """Edit a member with an optimistic lock; a changed ID number is re-checked for duplicates."""
    member = access_member(actor, member_id)
    household = member.household
    require_write(actor, household.region_code)
    if member.version != version:
        raise Conflict()
    changed = _apply_member_fields(actor, member, data)
    before = {k: old for k, (old, _) in changed.items()}
    _full_clean(member, exclude=["household", "created_by", "updated_by"], before=before)
    if changed:
        fields = [k for k in changed if k != "id_number"]
        if "id_number" in changed:
            fields += ["id_cipher", "id_hash", "id_masked", "sex", "birth_date"]
        try:
            with audit_reason(reason):
                updated = Member.objects.filter(pk=member.pk, version=version).update(
                    **{f: getattr(member, f) for f in fields},
                    updated_by_id=actor.user_id,
                    version=F("version") + 1,
                )
        except IntegrityError as exc:
            raise _integrity_message(exc) from exc
        if not updated:
            raise Conflict()
        _sync_size(actor, household)
    warnings = _check_household(household)
    recheck(household)
    member.refresh_from_db()
    return member, warnings


def audit_reason(reason: str | None) -> Any:
    from fupin.core.context import audit_context

    return audit_context(reason=reason or None)


@transaction.atomic
def member_change(
    *,
    actor: Actor,
    household_id: int,
    kind: str,
    occurred_on: dt.date,
    reason: str,
    evidence: Any = None,
    member_id: int | None = None,
    new_member: dict[str, Any] | None = None,
    new_head_id: int | None = None,
) -> tuple[MemberChange, list[Issue]]:
    """Record a natural change of the household's members and apply it.

    Joining kinds add `new_member` (joined on the date); leaving kinds end `member_id`'s
    membership (kept on record, no longer counted); a correction sets `new_member`'s fields on
    `member_id` with old and new values in the record. The head leaves only when `new_head_id`
    names the current member who takes over. declared_size follows the member count.
    """
    household = access_household(actor, household_id)
    require_write(actor, household.region_code)
    if kind not in codes.MemberChangeKind.values:
        raise ValidationFailed("变更类型无效", errors={"kind": ["请选择变更类型"]})
    reason = clean_text(reason, "reason", "变更原因")
    if occurred_on > timezone.localdate():
        raise ValidationFailed("发生日期不能晚于今天", errors={"occurred_on": ["不能晚于今天"]})
    if evidence:
        _check_evidence(evidence)
    try:
        change = _apply_change(
            actor,
            household,
            kind,
            occurred_on,
            reason,
            evidence,
            member_id,
            new_member,
            new_head_id,
        )
    except IntegrityError as exc:
        raise _integrity_message(exc) from exc
    warnings = _check_household(household)
    recheck(household)
    return change, warnings


def _integrity_message(exc: IntegrityError) -> Exception:
    text = str(exc)
    if "member_one_current_head" in text:
        return ValidationFailed("每户只能有一名在册户主", errors={"relation": ["本户已有户主"]})
    if "id_hash" in text:
        return ValidationFailed("身份证号已被其他户登记，请刷新后核实")
    return exc


def _apply_change(
    actor: Actor,
    household: Household,
    kind: str,
    occurred_on: dt.date,
    reason: str,
    evidence: Any,
    member_id: int | None,
    new_member: dict[str, Any] | None,
    new_head_id: int | None,
) -> MemberChange:
    details: dict[str, Any] = {}
    member: Member | None = None
    with audit_reason(f"{codes.MemberChangeKind(kind).label}：{reason}"):
        if kind in codes.JOINING_KINDS:
            if not new_member:
                raise ValidationFailed("请填写新增成员信息", errors={"new_member": ["必填"]})
            data = {**new_member, "joined_on": occurred_on}
            member = _build_member(household, data)
            _refuse_duplicate(actor, member.id_hash)
            member.created_by_id = member.updated_by_id = actor.user_id
            _full_clean(member, exclude=["household", "created_by", "updated_by"])
            member.save()
            details = {"name": member.name, "relation": member.relation, "id": member.id_masked}
        else:
            member = _member_of(household, member_id)
            if kind in codes.LEAVING_KINDS:
                details = _leave(actor, household, member, kind, occurred_on, new_head_id)
            else:
                if not new_member:
                    raise ValidationFailed("请填写更正内容", errors={"new_member": ["必填"]})
                version = member.version
                details = _apply_member_fields(actor, member, new_member)
                if not details:
                    raise ValidationFailed("更正内容与原信息相同")
                before = {k: old for k, (old, _) in details.items()}
                _full_clean(
                    member, exclude=["household", "created_by", "updated_by"], before=before
                )
                member.version = version + 1
                member.updated_by_id = actor.user_id
                member.save()
        _sync_size(actor, household)
        change = MemberChange(
            household=household,
            member=member,
            county_code=household.county_code,
            kind=kind,
            occurred_on=occurred_on,
            reason=reason,
            details=details,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        if evidence:
            change.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
        change.save()
    return change


def _member_of(household: Household, member_id: int | None) -> Member:
    member = (
        household.members.filter(pk=member_id, left_on__isnull=True).first() if member_id else None
    )
    if member is None:
        raise ValidationFailed("请选择本户的在册成员", errors={"member": ["请选择在册成员"]})
    return member


def _leave(
    actor: Actor,
    household: Household,
    member: Member,
    kind: str,
    occurred_on: dt.date,
    new_head_id: int | None,
) -> dict[str, Any]:
    details: dict[str, Any] = {"name": member.name, "relation": member.relation}
    new_head: Member | None = None
    if member.relation == codes.Relation.HEAD:
        others = [m for m in _current_members(household) if m.pk != member.pk]
        if others:
            new_head = next((m for m in others if m.pk == new_head_id), None)
            if new_head is None:
                raise ValidationFailed(
                    "户主离户时必须指定新户主（本户在册成员）",
                    errors={"new_head": ["请指定新户主"]},
                )
    member.left_on = occurred_on
    member.left_reason = kind
    member.updated_by_id = actor.user_id
    member.version += 1
    member.save(update_fields=["left_on", "left_reason", "updated_by", "version", "updated_at"])
    if new_head is not None:
        details["new_head"] = {"name": new_head.name, "old_relation": new_head.relation}
        new_head.relation = codes.Relation.HEAD
        new_head.updated_by_id = actor.user_id
        new_head.version += 1
        new_head.save(update_fields=["relation", "updated_by", "version", "updated_at"])
    return details
