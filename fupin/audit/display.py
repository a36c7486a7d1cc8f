"""Turning audit rows into what a person reads: Chinese table and field names, a
field-by-field old → new diff, and personal data masked for users without the right."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from fupin.core.masking import mask_bank_account, mask_id_number, mask_phone

from .models import Action, AuditEvent
from .registry import AUDITED

# Never shown, whatever the trigger recorded.
HIDDEN_COLUMNS = frozenset({"password", "digest"})
BULK_LABELS = {"rows": "行数", "first_pk": "首条主键", "last_pk": "末条主键"}
ACCESS_LABELS = {
    "kind": "方式",
    "fields": "查看项",
    "rows": "行数",
    "scope": "范围",
    "export": "导出",
}


def masker_for(column: str) -> Any:
    """The masking function for a personal-data column (phone, id_number, bank_account and
    columns ending in those names such as contact_phone), or None."""
    for suffix, func in (
        ("phone", mask_phone),
        ("id_number", mask_id_number),
        ("bank_account", mask_bank_account),
    ):
        if column == suffix or column.endswith("_" + suffix):
            return func
    return None


def mask_value(column: str, value: Any) -> Any:
    func = masker_for(column)
    if func is None or value is None:
        return value
    return func(str(value))


def model_for_table(table: str) -> type[Model] | None:
    for model in AUDITED:
        if model._meta.db_table == table:
            return model
    return None


def table_label(table: str) -> str:
    model = model_for_table(table)
    return str(model._meta.verbose_name) if model else table


def table_choices() -> list[tuple[str, str]]:
    """Audited tables with their Chinese names, for the search form."""
    pairs = {(m._meta.db_table, table_label(m._meta.db_table)) for m in AUDITED}
    return sorted(pairs, key=lambda pair: pair[1])


def column_labels(table: str) -> dict[str, str]:
    model = model_for_table(table)
    if model is None:
        return {}
    labels: dict[str, str] = {}
    for f in model._meta.concrete_fields:
        if f.column:
            labels[f.column] = str(f.verbose_name)
    return labels


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class Change:
    column: str
    label: str
    old: str
    new: str


def diff(event: AuditEvent, *, show_personal: bool) -> list[Change]:
    old = event.old or {}
    new = event.new or {}
    labels = (
        BULK_LABELS
        if event.action == Action.BULK_INSERT
        else ACCESS_LABELS
        if event.action == Action.ACCESS
        else column_labels(event.table_name)
    )
    columns = [c for c in dict.fromkeys([*new, *old]) if c not in HIDDEN_COLUMNS]
    changes = []
    for column in columns:
        before, after = old.get(column), new.get(column)
        if not show_personal:
            before, after = mask_value(column, before), mask_value(column, after)
        changes.append(
            Change(
                column=column,
                label=labels.get(column, column),
                old=_text(before) if column in old else "",
                new=_text(after) if column in new else "",
            )
        )
    return changes


def present(event: AuditEvent, *, show_personal: bool) -> dict[str, Any]:
    """A template- and JSON-friendly view of one event."""
    return {
        "id": event.pk,
        "at": event.at,
        "table": event.table_name,
        "table_label": table_label(event.table_name),
        "object_pk": event.object_pk or "",
        "action": event.action,
        "action_label": Action(event.action).label,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "ip": event.ip or "",
        "reason": event.reason,
        "batch_id": event.batch_id,
        "changes": diff(event, show_personal=show_personal),
    }
