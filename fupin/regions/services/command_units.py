"""Command system writes (指挥体系): the units, their tree, and their members."""

from __future__ import annotations

from django.db import transaction

from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound
from fupin.core.versioning import versioned_update
from fupin.regions.models import (
    CommandUnit,
    CommandUnitKind,
    CommandUnitMember,
    Region,
)
from fupin.regions.selectors import (
    access_command_unit,
    access_region,
)
from fupin.regions.services.common import _fail


def _validate_command_unit(
    *, actor: Actor, region: Region, name: str, kind: str, parent_id: int | None, pk: int | None
) -> CommandUnit | None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写单位名称"]
    if kind not in CommandUnitKind.values:
        errors["kind"] = ["请选择正确的单位类型"]
    parent = None
    if parent_id is not None:
        parent = CommandUnit.objects.filter(pk=parent_id).first()
        if parent is None or not actor.sees(parent.region_code):
            errors.setdefault("parent", []).append("上级单位不存在或不在您的管辖范围内")
        elif not region.code.startswith(parent.region_code):
            errors.setdefault("parent", []).append("上级单位必须属于本区划或其上级区划")
        elif pk is not None and _is_descendant_unit(parent.pk, pk):
            errors.setdefault("parent", []).append("上级单位不能是本单位或其下级单位")
    _fail(errors)
    return parent


def _is_descendant_unit(candidate: int, unit_pk: int) -> bool:
    """True if `candidate` is `unit_pk` itself or below it (the chain is short: ≤ 5 levels)."""
    seen: set[int] = set()
    current: int | None = candidate
    while current is not None and current not in seen:
        if current == unit_pk:
            return True
        seen.add(current)
        current = CommandUnit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return False


@transaction.atomic
def command_unit_create(
    *,
    actor: Actor,
    region_code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    duties: str = "",
) -> CommandUnit:
    region = access_region(actor, region_code)
    actor.require_write(Perm.REGION_EDIT, region.code)
    _validate_command_unit(
        actor=actor, region=region, name=name, kind=kind, parent_id=parent_id, pk=None
    )
    unit = CommandUnit(
        name=name.strip(),
        kind=kind,
        region=region,
        region_code=region.code,
        parent_id=parent_id,
        duties=duties.strip(),
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def command_unit_update(
    *,
    actor: Actor,
    pk: int,
    version: int,
    name: str,
    kind: str,
    parent_id: int | None = None,
    duties: str = "",
) -> CommandUnit:
    unit = access_command_unit(actor, pk)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    _validate_command_unit(
        actor=actor, region=unit.region, name=name, kind=kind, parent_id=parent_id, pk=unit.pk
    )
    versioned_update(
        CommandUnit,
        pk=unit.pk,
        version=version,
        actor_id=actor.user_id,
        values={
            "name": name.strip(),
            "kind": kind,
            "parent_id": parent_id,
            "duties": duties.strip(),
        },
    )
    unit.refresh_from_db()
    return unit


@transaction.atomic
def command_unit_member_add(
    *,
    actor: Actor,
    unit_id: int,
    name: str,
    position: str,
    phone: str = "",
    user_id: int | None = None,
    sort: int = 0,
) -> CommandUnitMember:
    unit = access_command_unit(actor, unit_id)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写成员姓名"]
    if not position.strip():
        errors["position"] = ["请填写职务/分工"]
    phone = phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        errors["phone"] = ["联系电话格式不正确"]
    _fail(errors)
    member = CommandUnitMember(
        unit=unit,
        name=name.strip(),
        position=position.strip(),
        phone=phone,
        user_id=user_id,
        sort=sort,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def command_unit_member_remove(*, actor: Actor, unit_id: int, member_id: int) -> None:
    unit = access_command_unit(actor, unit_id)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    deleted, _ = CommandUnitMember.objects.filter(pk=member_id, unit_id=unit.pk).delete()
    if not deleted:
        raise NotFound()
