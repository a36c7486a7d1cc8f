"""Which tables are audited. Apps call `audit(Model)` in AppConfig.ready(); after every
migrate the triggers are (re)installed, so a new business table is covered by declaring it."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model

from .sql import table_triggers

AUDITED: dict[type[Model], tuple[str, ...]] = {}


def audit(model: type[Model], *, skip: tuple[str, ...] = ()) -> type[Model]:
    """Declare `model` a business table: every change to it is recorded by triggers."""
    AUDITED[model] = skip
    return model


def install_triggers(using: str = "default", **_: Any) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('fupin_audit_stmt') IS NOT NULL")
        row = cursor.fetchone()
        if not row or not row[0]:
            return  # audit migrations not applied yet
        existing = set(connection.introspection.table_names(cursor))
        for model, skip in AUDITED.items():
            table = model._meta.db_table
            if table in existing:
                cursor.execute(table_triggers(table, model._meta.pk.column or "id", skip))


def is_audited(model: type[Model]) -> bool:
    return model in AUDITED
