"""Import jobs: create (checks and stores the upload), run (claims, stages, checks, applies),
and the synchronous `import_file` used by the command line and the benchmark.

Jobs are claimed with SELECT … FOR UPDATE SKIP LOCKED, so any number of workers can poll; a
job still 'running' whose heartbeat is older than STALE (its worker died) is taken over and
resumes after its last committed chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core import params, uploads
from fupin.core.access import Actor
from fupin.core.errors import ValidationFailed
from fupin.regions.models import Region
from fupin.registry.models import ImportJob, ImportMode, ImportStatus
from fupin.registry.params import IMPORT_REPORT_KEEP_DAYS
from fupin.registry.services import require_write

from . import readers
from .staging import Importer

log = logging.getLogger(__name__)

MAX_BYTES = 500 * 1024 * 1024  # the ceiling; the parameter uploads.import_max_mb may lower it
IMPORT_FILES = uploads.Accept(
    suffixes=readers.SUFFIXES,
    label="Excel（.xlsx、.xls）或 CSV",
    max_mb=uploads.IMPORT_MAX_MB,
    wrong_suffix="只能导入 .xlsx、.xls 或 .csv 文件",
    too_big="文件超过 {mb} MB，请按乡镇或村拆分后分别导入",
)
STALE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 3
GAVE_UP = "处理多次中断未能完成，文件未导入，系统中的数据未做任何修改，请重新上传"


def _as_actor(actor: Any) -> Actor:
    return actor if isinstance(actor, Actor) else load_actor(actor)


@transaction.atomic
def create_job(
    *,
    actor: Actor,
    upload: File[Any],
    mode: str,
    region_code: str,
    limit_size: bool = True,
) -> ImportJob:
    """Check permission, file type and size; store the file as a queued job. Uploads through
    the pages and the API are limited to MAX_BYTES; a file already on the server, imported
    from the command line by an administrator, is not (limit_size=False)."""
    actor = _as_actor(actor)
    region_code = (region_code or "").strip()
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationFailed("请选择导入辖区", errors={"region_code": ["辖区不存在"]})
    require_write(actor, region_code)
    if mode not in ImportMode.values:
        raise ValidationFailed("请选择导入方式", errors={"mode": ["无效的导入方式"]})
    name = Path(upload.name or "").name
    uploads.check(upload, IMPORT_FILES, max_bytes=MAX_BYTES if limit_size else None)
    job = ImportJob(
        actor_id=int(actor.user_id or 0),
        region_code=region_code,
        mode=mode,
        original_name=name[:255],
        file_sha256="",
        stage="排队等待处理",
    )
    job.file.save(name, upload, save=False)
    job.save()
    return job


def _claim(job_id: int) -> ImportJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id)
            .filter(
                Q(status=ImportStatus.QUEUED)
                | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE)
                | Q(status=ImportStatus.RUNNING, heartbeat_at__isnull=True)
            )
            .select_related("actor")
            .first()
        )
        if job is None:
            return None
        attempts = int(job.summary.get("attempts", 0)) + 1
        job.summary = {**job.summary, "attempts": attempts}
        if attempts > MAX_ATTEMPTS:
            job.save(update_fields=["summary"])
            Importer(job).give_up(GAVE_UP)
            return None
        job.status = ImportStatus.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["status", "started_at", "heartbeat_at", "summary"])
        return job


def run_job(job_id: int) -> ImportJob:
    """Run (or resume) one job if it can be claimed; returns the job as it stands after.

    Unexpected errors propagate and leave the job 'running': after STALE it is resumed (at
    most MAX_ATTEMPTS times) from its last committed chunk."""
    job = _claim(job_id)
    if job is not None:
        Importer(job).run()
    job = ImportJob.objects.get(pk=job_id)
    discard_upload(job)
    return job


FINAL_STATES = (ImportStatus.SUCCEEDED, ImportStatus.UNCHANGED, ImportStatus.FAILED)


def discard_upload(job: ImportJob) -> bool:
    """Delete the stored upload of a job that has ended (the job row, its summary and error
    report stay). A queued or running job keeps it: an interrupted run is resumed from it.
    Returns whether a file was removed."""
    if job.status not in FINAL_STATES or not job.file:
        return False
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    return True


def import_files_sweep(*, today: dt.date | None = None) -> tuple[int, int]:
    """The daily clean-up: error reports of jobs that ended more than
    `registry.import_report_keep_days` days before `today` are deleted, and so is any upload
    of an ended job still on disk (a worker that died between the end and the delete).
    Returns (reports removed, uploads removed)."""
    today = today or timezone.localdate()
    keep = int(params.get(IMPORT_REPORT_KEEP_DAYS.key))
    start = dt.datetime.combine(today - dt.timedelta(days=keep), dt.time.min)
    cutoff = timezone.make_aware(start)
    reports = 0
    old = ImportJob.objects.filter(finished_at__lt=cutoff).exclude(error_report="")
    for job in old.only("pk", "error_report").iterator(chunk_size=500):
        job.error_report.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(error_report="")
        reports += 1
    uploads_ = 0
    ended = ImportJob.objects.filter(status__in=FINAL_STATES).exclude(file="")
    for job in ended.only("pk", "status", "file").iterator(chunk_size=500):
        uploads_ += discard_upload(job)
    return reports, uploads_


def import_file(*, actor: Any, path: str, mode: str, region_code: str) -> ImportJob:
    """Create and run a job inline from a file on the server (command line, benchmark): no
    upload size limit, the file is streamed; returns the finished job."""
    with open(path, "rb") as fh:
        job = create_job(
            actor=_as_actor(actor),
            upload=File(fh, name=Path(path).name),
            mode=mode,
            region_code=region_code,
            limit_size=False,
        )
    return run_job(job.pk)


def next_job_id(*, queued_before: dt.datetime | None = None) -> int | None:
    """The oldest job waiting: queued (before `queued_before`, when given), or running with
    a stale heartbeat."""
    now = timezone.now()
    queued = Q(status=ImportStatus.QUEUED)
    if queued_before is not None:
        queued &= Q(created_at__lt=queued_before)
    return (
        ImportJob.objects.filter(
            queued
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__isnull=True)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )


ORPHAN_GRACE = dt.timedelta(minutes=1)  # a queued job's own worker starts well within this
_watch_worker: subprocess.Popen[bytes] | None = None


def import_jobs_watch() -> subprocess.Popen[bytes] | None:
    """For a process that runs for ever beside the web (the supervision scheduler, every
    minute): start a worker (`run_worker --once`) when a job waits that no worker will take
    otherwise, i.e. queued for more than ORPHAN_GRACE (its own worker never started) or
    running with a stale heartbeat (its worker died). At most one such worker at a time;
    it exits when nothing waits any more. Returns the worker started, if any."""
    global _watch_worker
    if _watch_worker is not None and _watch_worker.poll() is None:
        return None
    if next_job_id(queued_before=timezone.now() - ORPHAN_GRACE) is None:
        return None
    _watch_worker = spawn_worker()
    return _watch_worker


def start_in_background(job_id: int) -> None:
    """Start the job after the current transaction commits, in a worker process of its own
    (`manage.py run_worker --once`, which also takes any other job waiting).

    Not a thread of the web process: an import is minutes of CPU-bound Python that would hold
    the web process's GIL and slow every page, and it forks parse workers, which a process
    running other threads must not do. The worker runs on if the web process restarts; in
    production a long-running `run_worker` picks up whatever is left behind anyway."""
    if getattr(settings, "FUPIN_INLINE_JOBS", False):  # tests: run in the request
        transaction.on_commit(lambda: run_job(job_id))
        return
    transaction.on_commit(spawn_worker)


def spawn_worker() -> subprocess.Popen[bytes]:
    """`manage.py run_worker --once` in a new session, on the database and media folder this
    process uses (a test's, under pytest), logging to var/import-worker.log."""
    env = {
        **os.environ,  # DJANGO_SETTINGS_MODULE too, when set (manage.py defaults it)
        "FUPIN_DB_NAME": str(connection.settings_dict["NAME"]),
        "FUPIN_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log_path = Path(settings.VAR_DIR) / "import-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "run_worker", "--once"],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # Reap it when it ends, so no zombie is left while this process runs on.
    threading.Thread(target=process.wait, daemon=True).start()
    log.info("import worker process %s started", process.pid)
    return process
