"""`updated_at` and `updated_by` move on every update, however it is written.

Django's `auto_now` stamps only `Model.save()`; a `QuerySet.update`, a bulk SQL statement or
an import's `UPDATE … FROM` would leave the time of the first load on a household edited ten
times. So every versioned table (a model with `updated_at` and `version`: each `BaseModel`,
`Parameter`, `CodeItem`) gets a BEFORE UPDATE row trigger, installed after every `migrate`:

- it fires only when the statement left `updated_at` as it was **and** changed some other
  column (the `WHEN` clause lists the table's stored columns, so a no-op update stays a
  no-op and generated columns, not yet computed in a BEFORE trigger, are left out);
- it sets `updated_at` to the statement's time and, when the statement left `updated_by` as
  it was and the audit context names an actor (`fupin.actor_id`, set by the middleware for
  every request), `updated_by` to that actor.

A statement that sets `updated_at` itself (`versioned_update`, the import's apply) keeps its
value and pays only the `WHEN` test. The audit triggers are AFTER triggers: they see the
stamped row, so the trail shows the new time like any other changed column.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, GeneratedField, Model

FUNCTION = """
CREATE OR REPLACE FUNCTION fupin_touch_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_actor bigint;
BEGIN
  NEW.updated_at := statement_timestamp();
  IF TG_ARGV[0] = 'by' AND NEW.updated_by_id IS NOT DISTINCT FROM OLD.updated_by_id THEN
    v_actor := nullif(current_setting('fupin.actor_id', true), '')::bigint;
    IF v_actor IS NOT NULL THEN
      NEW.updated_by_id := v_actor;
    END IF;
  END IF;
  RETURN NEW;
END $$;
"""

TRIGGER = "fupin_touch"


def touched_models() -> list[type[Model]]:
    """The versioned models: an auto_now `updated_at` and a `version` column."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name: f for f in model._meta.concrete_fields}
        stamp = names.get("updated_at")
        if isinstance(stamp, DateTimeField) and stamp.auto_now and "version" in names:
            found.append(model)
    return found


def trigger_sql(model: type[Model]) -> str:
    table = model._meta.db_table
    columns = [
        f.column
        for f in model._meta.concrete_fields
        if f.column and f.name != "updated_at" and not isinstance(f, GeneratedField)
    ]
    old = ", ".join(f'OLD."{c}"' for c in columns)
    new = ", ".join(f'NEW."{c}"' for c in columns)
    by = "by" if any(f.name == "updated_by" for f in model._meta.concrete_fields) else "at"
    return (
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}";'
        f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON "{table}" FOR EACH ROW'
        f" WHEN (OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at"
        f" AND ROW({old}) IS DISTINCT FROM ROW({new}))"
        f" EXECUTE FUNCTION fupin_touch_row('{by}');"
    )


def install(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    """post_migrate: (re)create the function and one trigger per existing versioned table."""
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        cursor.execute(FUNCTION)
        for model in touched_models():
            if model._meta.db_table in existing:
                cursor.execute(trigger_sql(model))
