"""`migrate` as the owner role (FUPIN_DB_OWNER_URL; the embedded server's fupin_owner): the
schema, the triggers and the grants are the owner's, the application's role owns nothing.
The post_migrate handlers (audit triggers, role grants) run inside it, as the owner too."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS

from fupin.core.database import as_role


class Command(MigrateCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        # execute, not handle: the system checks before handle read tables too.
        if options.get("database", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
            return super().execute(*args, **options)
        with as_role("owner"):
            return super().execute(*args, **options)
