"""Import API: upload a registry file, follow the job, download its error report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.access import actor_of
from fupin.core.api import KeysetList, KeysetPagination, Schema
from fupin.core.errors import NotFound
from fupin.registry.models import ImportJob, ImportMode

from . import selectors, services
from .report import XLSX

router = Router(tags=["建档立卡导入"])


class ImportJobOut(Schema):
    id: int
    region_code: str
    mode: str
    original_name: str
    file_sha256: str
    status: str
    status_label: str
    stage: str
    rows_total: int
    rows_done: int
    progress: int
    error_count: int
    has_error_report: bool
    summary: dict[str, Any]
    message: str
    batch_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_status_label(obj: ImportJob) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_has_error_report(obj: ImportJob) -> bool:
        return bool(obj.error_report)


@router.post("/registry/imports", response={201: ImportJobOut}, summary="上传文件并创建导入任务")
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    region_code: Form[str],
    mode: Form[str] = ImportMode.INSERT,
) -> Status:
    job = services.create_job(
        actor=actor_of(request), upload=file, mode=mode, region_code=region_code
    )
    services.start_in_background(job.pk)
    return Status(201, job)


@router.get("/registry/imports", response=list[ImportJobOut], summary="导入任务列表")
@paginate(KeysetPagination)
def list_imports(request: HttpRequest) -> Any:
    return KeysetList.rows(
        selectors.job_list(actor_of(request)), selectors.JOB_KEYS, lambda job: job
    )


@router.get("/registry/imports/{job_id}", response=ImportJobOut, summary="导入任务详情")
def get_import(request: HttpRequest, job_id: int) -> ImportJob:
    return selectors.access_job(actor_of(request), job_id)


@router.get("/registry/imports/{job_id}/errors", summary="下载错误报告（.xlsx）")
def import_errors(request: HttpRequest, job_id: int) -> FileResponse:
    job = selectors.access_job(actor_of(request), job_id)
    if not job.error_report:
        raise NotFound("该任务没有错误报告")
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"{job.original_name.rsplit('.', 1)[0]}-错误报告.xlsx",
        content_type=XLSX,
    )
