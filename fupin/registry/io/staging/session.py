"""What keeps a running import job visibly alive and its server session bounded.

- The job's heartbeat (`ImportJob.heartbeat_at`) is what tells a live job from one whose
  worker died (services.STALE). Staging beats once per chunk; the checks and the apply are a
  few long statements (a 200k-row apply runs minutes in one INSERT … SELECT), so while they
  run a thread with its own connection beats every HEARTBEAT_SECONDS. Its UPDATE skips the
  job row while the apply's own transaction has it locked (the last moments, writing the
  result), so it never waits on it.
- The job's connection: no statement timeout (an import's statements may rightly run many
  minutes), a bound on a transaction left idle (a stopped worker must not hold the
  registry's locks for ever), and `client_connection_check_interval` (PostgreSQL ≥ 14), so
  the server stops a killed worker's statement within seconds instead of running it to the
  end while holding its locks.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from django.db import DatabaseError, connection

from fupin.registry.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
IDLE_IN_TRANSACTION = "10min"
CLIENT_CHECK = "2s"
SESSION_SETTINGS = ("statement_timeout", "idle_in_transaction_session_timeout")
CLIENT_CHECK_MIN_VERSION = 140000


def _checks_client() -> bool:
    """Whether the server has client_connection_check_interval (PostgreSQL 14 and later)."""
    return int(getattr(connection, "pg_version", 0)) >= CLIENT_CHECK_MIN_VERSION


def configure_session() -> None:
    """Set the job's limits on the current thread's connection (see the module notes)."""
    with connection.cursor() as cur:
        cur.execute("SET statement_timeout = 0")
        cur.execute("SET idle_in_transaction_session_timeout = %s", [IDLE_IN_TRANSACTION])
        if _checks_client():
            cur.execute("SET client_connection_check_interval = %s", [CLIENT_CHECK])


@contextmanager
def job_session() -> Iterator[None]:
    """The job's limits for the duration of the block, then the connection's own again (the
    command line and the tests run a job on a connection that serves other work too)."""
    configure_session()
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            # (DatabaseError: the connection is gone, and the error that broke it is raised)
            with contextlib.suppress(DatabaseError), connection.cursor() as cur:
                for name in SESSION_SETTINGS:
                    cur.execute(f"RESET {name}")
                if _checks_client():
                    cur.execute("RESET client_connection_check_interval")


BEAT_SQL = (
    f"UPDATE {ImportJob._meta.db_table} SET heartbeat_at = now() WHERE id = ("
    f"SELECT id FROM {ImportJob._meta.db_table} WHERE id = %s AND status = %s"
    " FOR UPDATE SKIP LOCKED)"
)


class Heartbeat:
    """`with Heartbeat(job_id):` beats every HEARTBEAT_SECONDS on a thread of its own.

    A failed beat (the server restarting) is logged and retried at the next one on a new
    connection; the thread never ends the job."""

    def __init__(self, job_id: int, every: float | None = None):
        self.job_id = job_id
        self.every = HEARTBEAT_SECONDS if every is None else every
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"beat-{job_id}")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    with connection.cursor() as cur:
                        cur.execute(BEAT_SQL, [self.job_id, ImportStatus.RUNNING])
                    self.beats += 1
                except DatabaseError as exc:
                    log.warning("import %s: heartbeat failed (%s); retrying", self.job_id, exc)
                    connection.close()
        finally:
            connection.close()
