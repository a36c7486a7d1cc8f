"""Import pages: job list with the upload form, job detail with a live progress bar, the error
report and the template download. Uploads start the job in a worker process of its own
(see services.start_in_background); a long-lived `manage.py run_worker` is the production runner."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fupin.core.access import actor_of
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.web.pager import keyset_pager
from fupin.registry.models import ImportMode, ImportStatus

from . import selectors, services
from .report import XLSX, template_xlsx

ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)


@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    regions = selectors.upload_regions(actor)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        region_code = request.POST.get("region_code", "")
        if upload is None:
            error = "请选择要导入的文件"
        else:
            try:
                job = services.create_job(
                    actor=actor,
                    upload=upload,
                    mode=request.POST.get("mode", ImportMode.INSERT),
                    region_code=region_code,
                )
            except ValidationFailed as exc:
                error = exc.message
            else:
                services.start_in_background(job.pk)
                messages.success(request, f"已上传“{job.original_name}”，正在后台处理")
                return redirect("registry:import_detail", pk=job.pk)
    page = keyset_pager(request, selectors.job_list(actor), selectors.JOB_KEYS, limit=30)
    names = selectors.region_names({j.region_code for j in page.items})
    return render(
        request,
        "registry/io/import_list.html",
        {
            "page_title": "数据导入",
            "pager": page,
            "jobs": [(j, names.get(j.region_code, j.region_code)) for j in page.items],
            "regions": regions,
            "modes": ImportMode.choices,
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=422 if error else 200,
    )


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.access_job(actor_of(request), pk)
    context = {
        "page_title": f"导入任务：{job.original_name}",
        "job": job,
        "active": job.status in ACTIVE,
        "region_name": selectors.region_names({job.region_code}).get(job.region_code, ""),
        "summary_rows": _summary_rows(job.summary),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/io/_job_progress.html", context)
    return render(request, "registry/io/import_detail.html", context)


def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    job = selectors.access_job(actor_of(request), pk)
    if not job.error_report:
        raise NotFound("该任务没有错误报告")
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"{job.original_name.rsplit('.', 1)[0]}-错误报告.xlsx",
        content_type=XLSX,
    )


def import_template(request: HttpRequest) -> FileResponse:
    """The blank layout with one example household (its village: the user's first village, or
    the first village under their grant)."""
    regions = selectors.upload_regions(actor_of(request))
    village = selectors.example_village(regions[0].code if regions else "")
    return FileResponse(
        io.BytesIO(template_xlsx(village)),
        as_attachment=True,
        filename="建档立卡导入模板.xlsx",
        content_type=XLSX,
    )


LABELS = {
    "households_created": "新增户",
    "households_updated": "更新户",
    "members_created": "新增成员",
    "members_updated": "更新成员",
    "incomes_created": "新增年度收入",
    "incomes_updated": "更新年度收入",
}


def _summary_rows(summary: dict[str, object]) -> list[tuple[str, object]]:
    return [(label, summary[key]) for key, label in LABELS.items() if key in summary]
