"""The one optimistic-lock update of the platform (SPEC §10: concurrent edits never silently
overwrite each other).

Every edit form and PUT carries the `version` it was loaded with; the service writes through
`versioned_update`, which updates the row only while it still holds that version, moves the
version by one and stamps `updated_at` / `updated_by`. When the row has moved on, the caller
gets a `Conflict` (409) naming who changed it last and when, read from the current row — the
words the second writer needs to decide what to do (「该记录已被张三于 14:05 修改，请刷新后重试」).

`stale(model, pk)` builds that Conflict for services that compare the version themselves
(a row locked with select_for_update, a create-or-update keyed by something else than pk).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from fupin.core.errors import Conflict

__all__ = ["changed_by_message", "stale", "versioned_update"]


def _fields(model: type[Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields}


def _when(at: Any) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _who(user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    return str(user) if user is not None else ""


def changed_by_message(
    *, updated_by_id: int | None, updated_at: Any, subject: str = "该记录"
) -> str:
    """「{subject}已被 张三 于 14:05 修改，请刷新后重试」 with what is known of the last change
    (the time with its date when it was not today)."""
    who = _who(updated_by_id)
    by = f"已被 {who} " if who else "已被他人"
    when = f"于 {_when(updated_at)} " if updated_at is not None else ""
    if not who and when:
        by += " "
    return f"{subject}{by}{when}修改，请刷新后重试"


def stale(model: type[Model], pk: Any, *, subject: str = "该记录") -> Conflict:
    """The Conflict for a stale write of `model` row `pk`, naming its last writer."""
    fields = _fields(model)
    wanted = [
        name for name in ("updated_at", "updated_by_id") if name.removesuffix("_id") in fields
    ]
    row = model._default_manager.filter(pk=pk).values(*wanted).first() if wanted else None
    if row is None and not model._default_manager.filter(pk=pk).exists():
        return Conflict(f"{subject}已被删除，请刷新后重试")
    row = row or {}
    message = changed_by_message(
        updated_by_id=row.get("updated_by_id"), updated_at=row.get("updated_at"), subject=subject
    )
    return Conflict(
        message,
        updated_by_id=row.get("updated_by_id"),
        updated_at=row.get("updated_at"),
    )


def versioned_update(
    target: type[Model] | QuerySet[Any],
    *,
    pk: Any,
    version: int,
    actor_id: int | None,
    values: dict[str, Any],
    subject: str = "该记录",
) -> int:
    """Update row `pk` of `target` (a model or a queryset narrowing it) with `values` only
    while it still holds `version`; return the new version, or raise the Conflict naming who
    changed it since. `updated_at` and `updated_by` are set where the model has them."""
    rows = target if isinstance(target, QuerySet) else target._default_manager.all()
    model = rows.model
    fields = _fields(model)
    stamp: dict[str, Any] = {}
    if "updated_at" in fields:
        stamp["updated_at"] = timezone.now()
    if "updated_by" in fields and actor_id is not None:
        stamp["updated_by_id"] = actor_id
    updated = rows.filter(pk=pk, version=version).update(
        **values, **stamp, version=F("version") + 1
    )
    if not updated:
        raise stale(model, pk, subject=subject)
    return version + 1
