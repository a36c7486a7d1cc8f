"""Import pages and API: upload, progress, error report, template; jurisdiction for each."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fupin.accounts.selectors import load_actor
from fupin.core import idnumber
from fupin.registry.io.layout import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    headers,
)
from fupin.registry.io.services import import_file
from fupin.registry.models import Household, ImportJob
from fupin.testing import assert_jurisdiction, client_for

from .test_import import families, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture(autouse=True)
def inline(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FUPIN_INLINE_JOBS = True


def csv_bytes(tmp_path: Path, village_code: str, *, bad: bool = False) -> bytes:
    data = families(village_code, 2)
    if bad:
        data[1][1][1]["身份证号"] = "123"
    return write_csv(tmp_path / "up.csv", data).read_bytes()


@pytest.fixture
def failed_job(county_personas, county, village, tmp_path) -> ImportJob:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(tmp_path, village.code, bad=True))
    job = import_file(
        actor=county_personas.in_region, path=str(path), mode="insert", region_code=county.code
    )
    assert job.status == "failed"
    return job


def test_upload_page_runs_the_job_and_shows_the_result(
    county_personas, county, village, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(county_personas.in_region)
    page = client.get(reverse("registry:import_list"))
    assert page.status_code == 200
    assert "上传并导入" in page.content.decode() and 'name="region_code"' in page.content.decode()
    upload = SimpleUploadedFile("families.csv", csv_bytes(tmp_path, village.code))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry:import_list"),
            {"file": upload, "region_code": county.code, "mode": "insert"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_detail", args=[job.pk]
    )
    assert Household.objects.count() == 2
    detail = client.get(response["Location"]).content.decode()
    assert "导入成功" in detail and "新增户" in detail
    assert 'hx-trigger="every 2s"' not in detail  # finished: no more polling
    listing = client.get(reverse("registry:import_list")).content.decode()
    assert "families.csv" in listing


def test_upload_rejects_wrong_type_in_chinese(county_personas, county):
    client = client_for(county_personas.in_region)
    response = client.post(
        reverse("registry:import_list"),
        {
            "file": SimpleUploadedFile("a.pdf", b"%PDF"),
            "region_code": county.code,
            "mode": "insert",
        },
    )
    assert response.status_code == 422
    assert "只能导入 .xlsx、.xls 或 .csv 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_running_job_polls_with_htmx(county_personas, county):
    job = ImportJob.objects.create(
        actor=county_personas.in_region,
        region_code=county.code,
        mode="insert",
        original_name="x.csv",
        file_sha256="",
        status="running",
        rows_total=200,
        rows_done=50,
        stage="读取文件",
    )
    client = client_for(county_personas.in_region)
    url = reverse("registry:import_detail", args=[job.pk])
    html = client.get(url).content.decode()
    assert 'hx-get="' + url + '"' in html and 'hx-trigger="every 2s"' in html
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "width: 25%" in partial and "读取文件" in partial


def test_upload_jurisdiction(county_personas, county, village, tmp_path):
    def post(user: Any) -> int:
        upload = SimpleUploadedFile("f.csv", csv_bytes(tmp_path, village.code))
        data = {"file": upload, "region_code": county.code, "mode": "insert"}
        return client_for(user).post(reverse("registry:import_list"), data).status_code

    assert post(county_personas.out_of_region) == 404
    assert post(county_personas.read_only) == 403
    assert post(county_personas.in_region) == 302


def test_detail_and_error_report_pages_jurisdiction(county_personas, failed_job):
    assert_jurisdiction(
        county_personas, "get", reverse("registry:import_detail", args=[failed_job.pk])
    )
    url = reverse("registry:import_errors", args=[failed_job.pk])
    assert_jurisdiction(county_personas, "get", url)
    response = client_for(county_personas.in_region).get(url)
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(_body(response)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][:3] == ["工作表", "行号", "列"] and rows[1][4] == "C09"


def test_list_shows_only_jobs_in_jurisdiction(county_personas, failed_job):
    url = reverse("registry:import_list")
    assert "bad.csv" in client_for(county_personas.read_only).get(url).content.decode()
    assert "bad.csv" not in client_for(county_personas.out_of_region).get(url).content.decode()


def test_template_download_has_both_sheets_and_valid_ids(county_personas, village):
    response = client_for(county_personas.in_region).get(reverse("registry:import_template"))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(_body(response)))
    assert book.sheet_names == [HOUSEHOLD_SHEET, MEMBER_SHEET]
    households = book.get_sheet_by_name(HOUSEHOLD_SHEET).to_python()
    members = book.get_sheet_by_name(MEMBER_SHEET).to_python()
    assert households[0] == headers(HOUSEHOLD_COLUMNS) and members[0] == headers(MEMBER_COLUMNS)
    assert households[1][1] == village.code  # a real village of the user's county
    ids = [row[2] for row in members[1:]]
    assert len(ids) == 3 and all(idnumber.is_valid(str(i)) for i in ids)
    # The read-only user can read the template too (it holds no registry data).
    assert (
        client_for(county_personas.read_only).get(reverse("registry:import_template")).status_code
        == 200
    )


def test_template_imports_cleanly(county_personas, county, tmp_path):
    response = client_for(county_personas.in_region).get(reverse("registry:import_template"))
    path = tmp_path / "template.xlsx"
    path.write_bytes(_body(response))
    job = import_file(
        actor=county_personas.in_region, path=str(path), mode="insert", region_code=county.code
    )
    assert job.status == "succeeded", job.message


# --- API -------------------------------------------------------------------------------------


API = "/api/v1/registry/imports"


def test_api_upload_jurisdiction_and_result(county_personas, county, village, tmp_path):
    def post(user: Any) -> Any:
        upload = SimpleUploadedFile("api.csv", csv_bytes(tmp_path, village.code))
        return client_for(user).post(
            API, {"file": upload, "region_code": county.code, "mode": "insert"}
        )

    assert post(county_personas.out_of_region).status_code == 404
    assert post(county_personas.read_only).status_code == 403
    response = post(county_personas.in_region)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["original_name"] == "api.csv"


def test_api_rejects_big_or_wrong_files(county_personas, county, monkeypatch):
    from fupin.registry.io import services

    monkeypatch.setattr(services, "MAX_BYTES", 3)
    upload = SimpleUploadedFile("a.csv", b"1234")
    response = client_for(county_personas.in_region).post(
        API, {"file": upload, "region_code": county.code}
    )
    assert response.status_code == 422 and "500 MB" in response.json()["message"]


def test_api_list_detail_errors_jurisdiction(county_personas, failed_job):
    assert_jurisdiction(county_personas, "get", f"{API}/{failed_job.pk}")
    assert_jurisdiction(county_personas, "get", f"{API}/{failed_job.pk}/errors")
    body = client_for(county_personas.in_region).get(f"{API}/{failed_job.pk}").json()
    assert body["status"] == "failed" and body["error_count"] == 1 and body["has_error_report"]
    listed = client_for(county_personas.read_only).get(API).json()
    assert [j["id"] for j in listed["items"]] == [failed_job.pk]
    assert client_for(county_personas.out_of_region).get(API).json()["items"] == []


def test_import_registry_command(county_personas, county, village, tmp_path, capsys):
    path = write_csv(tmp_path / "cmd.csv", families(village.code, 2))
    call_command(
        "import_registry",
        str(path),
        "--region",
        county.code,
        "--user",
        county_personas.in_region.username,
    )
    out = capsys.readouterr().out
    assert "导入成功" in out and Household.objects.count() == 2
    call_command(
        "import_registry",
        str(path),
        "--region",
        county.code,
        "--user",
        county_personas.in_region.username,
        "--mode",
        "upsert",
    )
    assert "文件内容与系统中的数据一致" in capsys.readouterr().out


def test_worker_runs_queued_jobs_once(county_personas, county, village, tmp_path, capsys):
    from fupin.registry.io.services import create_job

    upload = SimpleUploadedFile("w.csv", csv_bytes(tmp_path, village.code))
    job = create_job(
        actor=load_actor(county_personas.in_region),
        upload=upload,
        mode="insert",
        region_code=county.code,
    )
    call_command("run_worker", "--once")
    job.refresh_from_db()
    assert job.status == "succeeded" and Household.objects.count() == 2
