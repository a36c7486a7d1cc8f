"""Administration of the lists: labels, order, custom items, who may edit them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from fupin.core.access import Actor, Perm, can_edit_system_wide, require_system_wide_edit
from fupin.core.codelists.lists import CodeList, code_lists
from fupin.core.codelists.read import code_labels
from fupin.core.codelists.store import invalidate
from fupin.core.context import audit_context
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.versioning import versioned_update

if TYPE_CHECKING:
    from fupin.core.models import CodeItem

VALUE_RE = re.compile(r"^[a-z0-9_]+$")
LABEL_MAX = 50
POSITION_MAX = 99_999


def can_view(actor: Actor) -> bool:
    return actor.has_perm(Perm.PARAM_VIEW)


def can_edit(actor: Actor) -> bool:
    """Code lists serve the whole deployment, like a parameter's national value: editing
    them belongs to the system administrator role (fupin.core.params._check_scope), wherever
    that grant sits."""
    return can_edit_system_wide(actor)


def _require_edit(actor: Actor) -> None:
    require_system_wide_edit(actor, "代码表全系统通用，只有系统管理员可以修改")


def _list(key: str) -> CodeList:
    cl = code_lists().get(key)
    if cl is None:
        raise NotFound("代码表不存在")
    return cl


def _clean_label(cl: CodeList, raw: str, *, value: str, exclude_pk: int | None = None) -> str:
    """A label must be unique in its list, and differ from the other items' codes and code
    labels: an import accepts all of these, so each must name exactly one item."""
    from fupin.core.models import CodeItem

    text = (raw or "").strip()
    if not text:
        raise ValidationFailed("请填写名称", errors={"label": ["必填"]})
    if len(text) > LABEL_MAX:
        raise ValidationFailed(
            f"名称不能超过 {LABEL_MAX} 个字符", errors={"label": [f"最多 {LABEL_MAX} 个字符"]}
        )
    others = CodeItem.objects.filter(list_key=cl.key).exclude(value=value)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other_value, other_label in others.values_list("value", "label"):
        if text == other_label:
            raise ValidationFailed(
                f"「{cl.title}」中已有名称为“{text}”的代码项", errors={"label": ["名称重复"]}
            )
        if text.lower() == other_value:
            raise ValidationFailed(
                f"名称“{text}”与「{cl.title}」中的代码“{other_value}”相同，导入时无法区分",
                errors={"label": ["与其他代码项的代码相同"]},
            )
    for other_value, code_label in code_labels(cl.codes).items():
        if other_value != value and text == code_label:
            raise ValidationFailed(
                f"“{text}”是「{cl.title}」中代码“{other_value}”的原名称，导入时仍按原名称识别，"
                "不能用作其他代码项的名称",
                errors={"label": ["与其他代码项的原名称相同"]},
            )
    return text


def _clean_position(raw: Any) -> int:
    try:
        position = int(str(raw).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("排序应为整数", errors={"position": ["应为整数"]}) from exc
    if not 0 <= position <= POSITION_MAX:
        raise ValidationFailed(
            f"排序应在 0–{POSITION_MAX} 之间", errors={"position": [f"0–{POSITION_MAX}"]}
        )
    return position


@transaction.atomic
def update_item(
    *,
    actor: Actor,
    pk: int,
    label: str,
    position: int | str,
    active: bool,
    version: int,
    reason: str = "",
) -> CodeItem:
    """Change an item's label, order and (custom items only) whether it is in use. A stale
    `version` raises Conflict so two administrators never overwrite each other silently."""
    from fupin.core.models import CodeItem

    _require_edit(actor)
    item = CodeItem.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound("代码项不存在")
    cl = _list(item.list_key)
    text = _clean_label(cl, label, value=item.value, exclude_pk=item.pk)
    order = _clean_position(position)
    if item.builtin and not active:
        raise ValidationFailed(
            f"“{item.label}”是系统内置的代码项，平台的业务规则依赖它，不能停用",
            errors={"active": ["内置代码项不能停用"]},
        )
    with audit_context(reason=(reason or "").strip() or f"修改代码表「{cl.title}」"):
        versioned_update(
            CodeItem,
            pk=pk,
            version=version,
            actor_id=actor.user_id,
            values={"label": text, "position": order, "active": bool(active)},
            subject="该代码项",
        )
    invalidate()
    item.refresh_from_db()
    return item


@transaction.atomic
def add_item(*, actor: Actor, list_key: str, value: str, label: str, reason: str = "") -> CodeItem:
    """Add a custom item to an extensible list (e.g. a local cause of poverty), last in order."""
    from fupin.core.models import CodeItem

    _require_edit(actor)
    cl = _list(list_key)
    if not cl.extensible:
        raise ValidationFailed(
            f"「{cl.title}」的代码由系统定义，不能新增，只能修改名称和排序",
            errors={"list_key": ["不能新增"]},
        )
    code = (value or "").strip()
    if not code:
        raise ValidationFailed("请填写代码", errors={"value": ["必填"]})
    if not VALUE_RE.match(code):
        raise ValidationFailed(
            "代码只能由小写英文字母、数字和下划线组成", errors={"value": ["格式不正确"]}
        )
    limit = cl.max_length or CodeItem._meta.get_field("value").max_length or 0
    if len(code) > limit:
        raise ValidationFailed(
            f"「{cl.title}」的代码不能超过 {limit} 个字符",
            errors={"value": [f"最多 {limit} 个字符"]},
        )
    if CodeItem.objects.filter(list_key=cl.key, value=code).exists():
        raise ValidationFailed(f"「{cl.title}」中已有代码“{code}”", errors={"value": ["代码重复"]})
    if CodeItem.objects.filter(list_key=cl.key, label=code).exists():
        raise ValidationFailed(
            f"代码“{code}”与「{cl.title}」中一个代码项的名称相同，导入时无法区分",
            errors={"value": ["与其他代码项的名称相同"]},
        )
    text = _clean_label(cl, label, value=code)
    last = CodeItem.objects.filter(list_key=cl.key).aggregate(m=Max("position"))["m"] or 0
    try:
        with (
            audit_context(reason=(reason or "").strip() or f"新增代码表「{cl.title}」的代码项"),
            transaction.atomic(),
        ):
            item = CodeItem.objects.create(
                list_key=cl.key,
                value=code,
                label=text,
                position=min(last + 10, POSITION_MAX),
                active=True,
                builtin=False,
                updated_by_id=actor.user_id,
            )
    except IntegrityError as exc:  # a concurrent add of the same code
        raise ValidationFailed(
            f"「{cl.title}」中已有代码“{code}”", errors={"value": ["代码重复"]}
        ) from exc
    invalidate()
    return item


def overview(actor: Actor) -> list[dict[str, Any]]:
    """Every list with its items as stored (for the administration page)."""
    from fupin.core.models import CodeItem

    if not can_view(actor):
        raise PermissionDenied()
    rows: dict[str, list[CodeItem]] = {}
    for row in CodeItem.objects.select_related("updated_by").order_by("position", "id"):
        rows.setdefault(row.list_key, []).append(row)
    return [
        {
            "key": cl.key,
            "title": cl.title,
            "extensible": cl.extensible,
            "max_length": cl.max_length,
            "items": rows.get(cl.key, []),
        }
        for cl in code_lists().values()
    ]
