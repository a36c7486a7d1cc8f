"""Faults while a file is parsed on the worker's parse processes: a broken byte, a record the
csv module refuses, a parse process that dies. Each ends the job with its error report and
the worker process finishes (it used to hang for good), leaving no parse process behind."""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fupin.registry.io import workers
from fupin.registry.io.services import import_file
from fupin.registry.models import Household, ImportJob, Member
from fupin.registry.tests.test_import import families, report_rows, write_csv
from fupin.testing import COUNTY

from .conftest import queue_job

FAST = {"parallel": True, "chunk_rows": 10}  # 120 rows: 12 chunks over two parse processes


def broken_gbk_file(path: Path, village_code: str) -> Path:
    """A GBK file of 40 families whose 21st spouse (file line 63) is named 王芳 with the
    second byte of 芳 broken (0x7F is no GBK trail byte)."""
    data = families(village_code, 40)
    data[20][1][1]["姓名"] = "王芳"
    write_csv(path, data, encoding="gbk")
    good = "王芳".encode("gbk")
    content = path.read_bytes()
    assert content.count(good) == 1
    path.write_bytes(content.replace(good, good[:3] + b"\x7f"))
    return path


def run_in_a_worker(start_worker: Any, office: Any, path: Path, **faults: Any) -> ImportJob:
    job = queue_job(actor=office, path=path, region_code=COUNTY)
    worker = start_worker("--once", **{**FAST, **faults})
    assert worker.finish(timeout=30) == 0, worker.output()
    assert not worker.group_alive()  # no parse process left behind
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_a_broken_byte_in_a_large_file_is_the_same_row_error_as_in_a_small_one(
    office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    path = broken_gbk_file(tmp_path / "gbk.csv", village_code)
    job = run_in_a_worker(start_worker, office, path)
    assert job.status == "failed", job.message
    rows = report_rows(job)[1:]
    assert [(r[0], r[1], r[2]) for r in rows] == [("CSV", 63, "姓名")]
    assert "无法识别的字符" in rows[0][5] and rows[0][3].startswith("王")
    assert Household.objects.count() == 0 and Member.objects.count() == 0
    # The same file parsed in the job's own process (a small file's path): the same report.
    small = import_file(actor=office, path=str(path), mode="insert", region_code=COUNTY)
    assert small.status == "failed" and report_rows(small)[1:] == rows


@pytest.mark.django_db(transaction=True)
def test_a_broken_byte_in_a_utf8_file_is_its_row_not_the_whole_file_misread(
    office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    """One broken byte used to make the whole file "GB18030": every cell gibberish, and
    the report a header error."""
    data = families(village_code, 40)
    data[10][1][0]["姓名"] = "王芳"
    path = write_csv(tmp_path / "utf8.csv", data)
    good = "王芳".encode()
    content = path.read_bytes()
    path.write_bytes(content.replace(good, good[:4]))  # 芳 cut to one of its three bytes
    job = run_in_a_worker(start_worker, office, path)
    assert job.status == "failed", job.message
    rows = report_rows(job)[1:]
    line = 2 + 10 * 3  # the 11th family's head
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [(line, "姓名", "王\ufffd", "C12")]


@pytest.mark.django_db(transaction=True)
def test_a_record_the_csv_reader_refuses_is_reported_with_its_row(
    office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    data = families(village_code, 40)
    data[30][1][2]["姓名"] = "张" * 140_000  # beyond the csv module's field size limit
    path = write_csv(tmp_path / "huge-cell.csv", data)
    job = run_in_a_worker(start_worker, office, path)
    assert job.status == "failed", job.message
    rows = report_rows(job)[1:]
    line = 2 + 30 * 3 + 2  # the family's son
    refused = [r for r in rows if r[4] == "C12"]
    assert [(r[0], r[1], r[5]) for r in refused] == [
        ("CSV", line, "此行无法按 CSV 读取（单元格内容过长），请检查该行的引号和分隔符")
    ]
    # The rest of the file was read on: the only other error is that row's family now
    # lacking a member.
    assert [(r[1], r[2], r[4]) for r in rows if r[4] != "C12"] == [(line - 2, "家庭人口数", "H002")]
    assert Household.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_parse_process_that_dies_ends_the_pool_and_fails_the_job_with_a_report(
    office: Any, village_code: str, tmp_path: Path, start_worker: Any
) -> None:
    path = write_csv(tmp_path / "ok.csv", families(village_code, 40))
    job = run_in_a_worker(start_worker, office, path, child_exit_after=30)
    assert job.status == "failed", job.message
    assert "解析进程意外退出" in job.message
    rows = report_rows(job)[1:]
    assert len(rows) == 1 and "解析进程意外退出" in rows[0][5]
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def _slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _items_then_a_broken_read() -> Iterator[tuple[int, float]]:
    yield 1, 30.0
    yield 2, 30.0
    time.sleep(1)  # both on their way
    raise RuntimeError("the file could not be read on")


def test_parse_processes_end_at_once_though_the_job_process_handles_sigterm() -> None:
    """run_worker's SIGTERM handler ("stop after the current job") used to be inherited by
    the forked parse processes, so the pool's terminate could not stop them: an error in the
    job process (here in reading the file) waited for every chunk in flight."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)

    # If they hang, kill them after a while, so the test fails instead of hanging too.
    def kill_them() -> None:
        for process in multiprocessing.active_children():
            process.kill()

    watchdog = threading.Timer(15, kill_them)
    watchdog.start()
    started = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match="could not be read on"):
            for _ in workers.ordered_map(_slow, _items_then_a_broken_read(), processes=2):
                pass
    finally:
        watchdog.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert time.monotonic() - started < 10
