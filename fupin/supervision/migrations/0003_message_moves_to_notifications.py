"""The inbox moves to the platform app fupin.notifications, rows and all.

The database keeps the table and renames it `supervision_message` → `notifications_message`,
with the names derived from it (primary key, foreign key and its index, identity sequence), so
an existing database ends up like a fresh one; the state forgets supervision.Message, and
notifications 0001 (which runs after this one) declares it without touching the database.
Message was never audited, so there are no triggers and no audit rows to carry over."""

from typing import Any

from django.db import migrations

OLD, NEW = "supervision_message", "notifications_message"


def rename_derived(schema_editor: Any, table: str, old: str, new: str) -> None:
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        sequences = connection.introspection.get_sequences(cursor, table)
    for name, info in constraints.items():
        if not name.startswith(old):
            continue
        renamed = new + name[len(old) :]
        if info["index"]:  # a plain index (constraints' own indexes follow their constraint)
            schema_editor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(renamed)}")
        else:  # primary key, foreign key, unique, check — and PostgreSQL 18's named NOT NULL
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {quote(renamed)}"
            )
    for sequence in sequences:
        name = sequence["name"]
        if name.startswith(old):
            renamed = new + name[len(old) :]
            schema_editor.execute(f"ALTER SEQUENCE {quote(name)} RENAME TO {quote(renamed)}")


def forwards(apps: Any, schema_editor: Any) -> None:
    rename_derived(schema_editor, NEW, OLD, NEW)


def backwards(apps: Any, schema_editor: Any) -> None:
    rename_derived(schema_editor, NEW, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_default_indicators")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="message", table=NEW),
                migrations.RunPython(forwards, backwards),
            ],
            state_operations=[migrations.DeleteModel(name="Message")],
        ),
    ]
