"""The production path of the import: outside a caller's transaction the rule checks run on
a second thread beside the set-based apply, which is rolled back when they find an error.

These tests are transactional (the staging tables must be committed for the checking thread
to see them). pytest-django empties every table after a transactional test, so the module
reloads the test counties and roles before each test and after the module."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.registry.io.services import import_file
from fupin.registry.models import Household, Member
from fupin.testing import COUNTY, TEST_REGION_PREFIXES, make_user

from .test_import import families, report_rows, write_csv

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pgcompat]


def seed() -> None:
    from django.apps import apps

    from fupin.regions.loader import load_regions

    load_regions(TEST_REGION_PREFIXES)
    importlib.import_module("fupin.accounts.migrations.0003_default_roles").seed_roles(apps, None)


@pytest.fixture(scope="module", autouse=True)
def restore_after_module(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def office(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    seed()
    return load_actor(make_user("office_parallel", ("poverty_office", COUNTY)))


def village_code() -> str:
    from fupin.regions.models import Region

    village = Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()
    assert village is not None
    return village.code


def test_parallel_checks_let_a_clean_file_through(office: Any, tmp_path: Path) -> None:
    from django.db import connection

    assert not connection.in_atomic_block  # the threaded path is the one under test
    data = families(village_code(), 20)
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "ok.csv", data)),
        mode="insert",
        region_code=COUNTY,
    )
    assert job.status == "succeeded", job.message
    assert Household.objects.count() == 20
    assert Member.objects.count() == 60


def test_parallel_checks_roll_back_the_apply_on_a_rule_error(office: Any, tmp_path: Path) -> None:
    data = families(village_code(), 20)
    data[7][0]["家庭人口数"] = "5"  # H002: found only by the rule checks, not the cross-row SQL
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "bad.csv", data)),
        mode="insert",
        region_code=COUNTY,
    )
    assert job.status == "failed"
    assert ("家庭人口数", "H002") in {(r[2], r[4]) for r in report_rows(job)[1:]}
    assert Household.objects.count() == 0
    assert Member.objects.count() == 0


def test_an_upload_runs_in_a_worker_process_of_its_own(
    office: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """start_in_background: once the upload commits, `run_worker --once` in a new process, on
    this test's database and media folder, runs the job and exits."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from fupin.registry.io import services

    started: list[Any] = []
    spawn = services.spawn_worker
    monkeypatch.setattr(services, "spawn_worker", lambda: started.append(spawn()))
    content = write_csv(tmp_path / "up.csv", families(village_code(), 12)).read_bytes()
    with transaction.atomic():
        job = services.create_job(
            actor=office,
            upload=SimpleUploadedFile("up.csv", content),
            mode="insert",
            region_code=COUNTY,
        )
        services.start_in_background(job.pk)
        assert not started  # not before the job is committed
    assert len(started) == 1
    assert started[0].pid != os.getpid() and started[0].wait(timeout=120) == 0
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert Household.objects.count() == 12 and Member.objects.count() == 36
