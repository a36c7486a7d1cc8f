"""The import worker killed at each phase of a job, a long apply kept visibly alive, and the
worker and the scheduler living through a database outage. Every test ends with the exact
registry counts: nothing half-written, nothing lost."""

from __future__ import annotations

import datetime as dt
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from fupin.registry.io import services
from fupin.registry.models import Household, ImportJob, Income, Member
from fupin.registry.tests.test_import import families, write_csv
from fupin.testing import COUNTY

from .conftest import database_outage, make_stale, queue_job, wait_for, worker_backends

pytestmark = [pytest.mark.django_db(transaction=True)]

SMALL = {"chunk_rows": 10}  # 120 rows: 12 staging chunks


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), Income.objects.count()


def forty_families(tmp_path: Path, village_code: str) -> Path:
    return write_csv(tmp_path / "forty.csv", families(village_code, 40))


@pytest.mark.parametrize("phase", ["stage", "checks", "apply"])
def test_a_worker_killed_in_each_phase_leaves_nothing_and_the_job_resumes(
    phase: str, office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    job = queue_job(actor=office, path=forty_families(tmp_path, village_code), region_code=COUNTY)
    worker = start_worker("--once", pause=phase, parallel=phase == "stage", **SMALL)
    assert worker.marked() == phase
    if phase == "apply":  # the server is inside the apply's transaction, in a long statement
        assert any(state == "active" and "pg_sleep" in q for _, state, q in worker_backends())
    worker.kill()
    # Its parse processes die with it, and the server ends its session within seconds
    # (the apply's statement too, which would otherwise run on holding its locks).
    wait_for(lambda: not worker.group_alive(), timeout=5)
    wait_for(lambda: not worker_backends(), timeout=10)
    job.refresh_from_db()
    assert job.status == "running" and counts() == (0, 0, 0)
    if phase == "stage":
        assert job.rows_done == 20  # the two chunks committed before the kill
    make_stale(job.pk)
    assert start_worker("--once", **SMALL).finish() == 0
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert counts() == (40, 120, 40)
    assert job.summary["attempts"] == 2


def test_the_heartbeat_stays_fresh_through_a_long_apply(
    office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    job = queue_job(actor=office, path=forty_families(tmp_path, village_code), region_code=COUNTY)
    worker = start_worker("--once", apply_sleep=4, heartbeat=0.3, **SMALL)
    assert worker.marked() == "apply"
    job.refresh_from_db()
    first = job.heartbeat_at
    assert first is not None
    time.sleep(2)
    job.refresh_from_db()
    assert job.heartbeat_at is not None and job.heartbeat_at - first > dt.timedelta(seconds=1)
    assert services.next_job_id() is None  # not up for a takeover
    assert worker.finish() == 0
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert counts() == (40, 120, 40) and job.summary["attempts"] == 1


def test_the_worker_lives_through_a_database_outage_and_takes_the_next_job(
    office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    worker = start_worker("--interval", "0.2", **SMALL)
    wait_for(lambda: "后台任务进程已启动" in worker.output(), timeout=30)
    with database_outage():
        time.sleep(3)  # it polls (and fails) all the while
        assert worker.process.poll() is None, worker.output()
    job = queue_job(actor=office, path=forty_families(tmp_path, village_code), region_code=COUNTY)

    def ended() -> bool:
        job.refresh_from_db()
        return job.status in services.FINAL_STATES

    wait_for(ended, timeout=60)
    assert job.status == "succeeded", job.message
    assert counts() == (40, 120, 40)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.finish(timeout=10) == 0
    assert "database unavailable" in worker.output()


class _Stop(Exception):
    pass


def test_the_scheduler_lives_through_an_outage_and_restarts_a_dead_workers_job(
    office: Any, village_code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job whose worker died: the scheduler, once the database is back, starts a worker,
    which resumes it; nobody runs a command."""
    from fupin.supervision import scheduler

    job = queue_job(actor=office, path=forty_families(tmp_path, village_code), region_code=COUNTY)
    ImportJob.objects.filter(pk=job.pk).update(status="running", summary={"attempts": 1})
    make_stale(job.pk)
    started: list[Any] = []
    spawn = services.spawn_worker

    def recording_spawn() -> Any:
        started.append(spawn())
        return started[-1]

    monkeypatch.setattr(services, "spawn_worker", recording_spawn)
    monkeypatch.setattr(scheduler, "is_due", lambda now: True)
    monkeypatch.setattr(scheduler, "run_due", lambda today: scheduler.RunReport(today=today))
    lines: list[str] = []
    with database_outage() as end_outage:
        ticks = {"n": 0}

        def sleep(seconds: float) -> None:
            ticks["n"] += 1
            if ticks["n"] == 1:
                assert not started  # the database was away: nothing could be done
                end_outage()
            else:
                raise _Stop

        with pytest.raises(_Stop):
            scheduler.loop(write=lines.append, sleep=sleep)
    assert len(started) == 1 and started[0].wait(timeout=60) == 0
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert counts() == (40, 120, 40) and job.summary["attempts"] == 2
    assert any("中断的导入任务" in line for line in lines)


def test_a_job_interrupted_too_often_fails_with_a_report_that_says_so(
    office: Any, village_code: str, tmp_path: Path
) -> None:
    from django.db import connection

    from fupin.registry.tests.test_import import report_rows

    job = queue_job(actor=office, path=forty_families(tmp_path, village_code), region_code=COUNTY)
    ImportJob.objects.filter(pk=job.pk).update(status="running", summary={"attempts": 3})
    make_stale(job.pk)
    job = services.run_job(job.pk)
    assert job.status == "failed" and "处理多次中断" in job.message
    assert job.summary["attempts"] == 4 and job.error_count == 1
    assert [(r[4], r[5]) for r in report_rows(job)[1:]] == [("W02", services.GAVE_UP)]
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [f"registry_stage_{job.pk}_err"])
        assert cur.fetchone()[0] is None
    assert counts() == (0, 0, 0)
