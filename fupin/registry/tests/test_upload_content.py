"""Member-change evidence and import files are checked by content, not by name (issue 12 §5);
an ended import's upload is deleted and its error report swept after the kept days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from fupin.core.errors import ValidationFailed
from fupin.registry.io import services as io_services
from fupin.registry.models import ImportJob, ImportStatus, MemberChange
from fupin.workflows.tests.test_upload_content import DISGUISED

from .test_changes import change, household  # noqa: F401
from .test_import import families, office, write_csv  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_disguised_evidence_is_refused(office: Any, household: Any) -> None:  # noqa: F811
    spouse = household.members.get(relation="spouse")
    for name, content in [("证明.jpg", DISGUISED[0][1]), ("证明.pdf", DISGUISED[1][1])]:
        with pytest.raises(ValidationFailed, match="证明材料的内容与文件类型不符：只接受 PDF"):
            change(office, household, "marry_out", member_id=spouse.pk,
                   evidence=SimpleUploadedFile(name, content))  # fmt: skip
    assert not MemberChange.objects.exists()
    png = SimpleUploadedFile("证明.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    record, _ = change(office, household, "marry_out", member_id=spouse.pk, evidence=png)
    assert record.evidence


def create(office: Any, county: Any, name: str, content: bytes) -> ImportJob:  # noqa: F811
    return io_services.create_job(
        actor=office, upload=SimpleUploadedFile(name, content), mode="insert",
        region_code=county.code,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.xlsx", DISGUISED[2][1]), ("a.csv", b"MZ\x90\x00\x00\x00"), ("a.xls", b"PK\x03\x04x")],
)
def test_a_disguised_import_file_is_refused(
    office: Any,  # noqa: F811
    county: Any,
    name: str,
    content: bytes,
) -> None:
    with pytest.raises(ValidationFailed, match="文件的内容与文件类型不符：只接受 Excel"):
        create(office, county, name, content)
    assert not ImportJob.objects.exists()


def test_the_upload_is_deleted_when_the_job_ends_and_kept_while_it_runs(
    office: Any,  # noqa: F811
    county: Any,
    village: Any,
    tmp_path: Path,
) -> None:
    good = write_csv(tmp_path / "good.csv", families(village.code, 2)).read_bytes()
    job = create(office, county, "good.csv", good)
    stored = Path(job.file.path)
    assert stored.exists()
    # An interrupted run (running, heartbeat fresh: another worker has it) keeps its file.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    assert io_services.run_job(job.pk).status == ImportStatus.RUNNING and stored.exists()
    # Resumed once the heartbeat is stale: it ends, the file goes, the job stays.
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    done = io_services.run_job(job.pk)
    assert done.status == ImportStatus.SUCCEEDED, done.message
    assert not stored.exists() and not done.file and done.original_name == "good.csv"

    bad = good.replace("张".encode(), b"").replace(b"510981", b"510999", 1)
    failed = io_services.run_job(create(office, county, "bad.csv", bad).pk)
    assert failed.status == ImportStatus.FAILED and not failed.file and failed.error_report


def test_the_sweep_removes_old_error_reports_and_keeps_recent_ones(
    office: Any,  # noqa: F811
    county: Any,
    village: Any,
    tmp_path: Path,
) -> None:
    rows = families(village.code, 1)
    rows[0][1][0]["身份证号"] = "123"
    content = write_csv(tmp_path / "bad.csv", rows).read_bytes()
    old, recent = (
        io_services.run_job(create(office, county, f"{n}.csv", content).pk) for n in "ab"
    )
    old_report, recent_report = Path(old.error_report.path), Path(recent.error_report.path)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    call_command("import_files_sweep")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old_report.exists() and not old.error_report and old.error_count
    assert recent_report.exists() and recent.error_report
