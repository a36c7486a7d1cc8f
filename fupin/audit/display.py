"""Turning audit rows into what a person reads: Chinese table and field names, a
field-by-field old → new diff, and personal data masked (SPEC §10).

Every value goes through `core.masking.mask_personal`: by key (phone, *_phone, id_number,
id_masked, birth_date, bank_account … at any depth of a JSON payload such as a case's
`data`) and by shape (ID, mobile and bank card numbers inside any text). It is masked for
everyone; a holder of PERSONAL_DATA_VIEW may reveal a page of events with a reason
(`reveal=True`, recorded by the views). Secret columns (ID cipher and digest, password) are
never shown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from fupin.core.masking import SECRET_KEYS, mask_personal

from .models import Action, AuditEvent
from .registry import AUDITED

# Never shown, whatever the trigger recorded.
HIDDEN_COLUMNS = SECRET_KEYS
BULK_LABELS = {"rows": "行数", "first_pk": "首条主键", "last_pk": "末条主键"}
ACCESS_LABELS = {
    "kind": "方式",
    "fields": "查看项",
    "rows": "行数",
    "scope": "范围",
    "export": "导出",
}


def mask_value(column: str, value: Any) -> Any:
    """One recorded value with its personal data masked (see the module docstring)."""
    return mask_personal(value, column)


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


def diff(event: AuditEvent, *, reveal: bool = False) -> list[Change]:
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
        if not reveal:
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


def present(event: AuditEvent, *, reveal: bool = False) -> dict[str, Any]:
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
        "reason": event.reason if reveal else mask_personal(event.reason),
        "batch_id": event.batch_id,
        "changes": diff(event, reveal=reveal),
    }
