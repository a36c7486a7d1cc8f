"""The fault-injection harness: import workers started as processes of their own
(tests/faults/worker_main.py, the real `run_worker` command with faults injected) on this
test's database, and the helpers to wait for them, kill them and look at the server.

The tests are transactional (a worker process sees only committed rows); pytest-django
empties every table after each, so the counties and roles are loaded again before each test
and after the module."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

WORKER_APP = "fupin-fault-worker"  # the application_name of the workers' connections


def seed() -> None:
    from django.apps import apps

    from fupin.regions.loader import load_regions
    from fupin.testing import TEST_REGION_PREFIXES

    load_regions(TEST_REGION_PREFIXES)
    importlib.import_module("fupin.accounts.migrations.0003_default_roles").seed_roles(apps, None)


_emptied = {"tables": False}  # a transactional test ran (and emptied every table)


@pytest.fixture(scope="module", autouse=True)
def restore_after_module(django_db_blocker: Any) -> Iterator[None]:
    yield
    if _emptied["tables"]:
        with django_db_blocker.unblock():
            seed()
        _emptied["tables"] = False


@pytest.fixture
def office(transactional_db: Any, settings: Any, tmp_path: Path) -> Any:
    from fupin.accounts.selectors import load_actor
    from fupin.testing import COUNTY, make_user

    settings.MEDIA_ROOT = tmp_path / "media"
    _emptied["tables"] = True
    seed()
    return load_actor(make_user("office_faults", ("poverty_office", COUNTY)))


@pytest.fixture
def village_code(office: Any) -> str:
    from fupin.regions.models import Region
    from fupin.testing import COUNTY

    village = Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()
    assert village is not None
    return village.code


def wait_for(what: Callable[[], Any], *, timeout: float, every: float = 0.1) -> Any:
    """`what()` once it is truthy; fails after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"still not true after {timeout} s: {what}")
        time.sleep(every)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    mark: Path
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def marked(self, timeout: float = 60) -> str:
        """Wait for the injected fault to be reached; returns its name."""
        wait_for(lambda: self.mark.exists() or self.process.poll() is not None, timeout=timeout)
        assert self.mark.exists(), self.output()
        return self.mark.read_text()

    def finish(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the worker did not finish:\n{self.output()}") from None

    def kill(self) -> None:
        """SIGKILL the worker (its own session: the process group is the worker's pid)."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def group_alive(self) -> bool:
        """Whether any process of the worker's session (its parse processes) is left."""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def start_worker(tmp_path: Path, settings: Any) -> Iterator[Callable[..., Worker]]:
    """start_worker(*run_worker options, **faults): a worker process on this test database."""
    from django.db import connection

    started: list[Worker] = []

    def start(*args: str, **faults: Any) -> Worker:
        n = len(started)
        mark, log = tmp_path / f"fault-{n}.mark", tmp_path / f"worker-{n}.log"
        env = {
            **os.environ,
            "FUPIN_DB_NAME": str(connection.settings_dict["NAME"]),
            "FUPIN_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "FUPIN_FAULTS": json.dumps(faults),
            "FUPIN_FAULT_MARK": str(mark),
            "PGAPPNAME": WORKER_APP,
        }
        with open(log, "ab") as out:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "tests.faults.worker_main", *args],
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, mark, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)
        if worker.group_alive():  # a parse process left behind (the test says so)
            os.killpg(worker.pid, signal.SIGKILL)


def queue_job(*, actor: Any, path: Path, region_code: str) -> Any:
    """A committed, queued job for `path` (no worker started)."""
    from django.core.files import File

    from fupin.registry.io.services import create_job

    with open(path, "rb") as fh:
        return create_job(
            actor=actor,
            upload=File(fh, name=path.name),
            mode="insert",
            region_code=region_code,
        )


def worker_backends() -> list[tuple[int, str, str]]:
    """(pid, state, query) of the server sessions of the fault workers."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid, state, query FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [WORKER_APP],
        )
        return list(cur.fetchall())


def make_stale(job_id: int) -> None:
    """As if the job's worker had died more than STALE ago."""
    import datetime as dt

    from django.utils import timezone

    from fupin.registry.models import ImportJob

    ImportJob.objects.filter(pk=job_id).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=10)
    )


@contextmanager
def maintenance_connection() -> Iterator[Any]:
    """An autocommit connection to the server's `postgres` database (not the test database,
    which an outage closes)."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    ) as conn:
        yield conn


@contextmanager
def database_outage() -> Iterator[Callable[[], None]]:
    """The test database refuses connections and every session on it is ended (as in a
    server restart) until the block ends or the callable it yields is called."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    connection.close()
    with maintenance_connection() as conn:
        over = {"done": False}

        def end() -> None:
            if not over["done"]:
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
                over["done"] = True

        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            yield end
        finally:
            end()
