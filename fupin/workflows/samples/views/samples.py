"""Third-party samples (第三方抽样核查): draw, record findings, export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.core import exports
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.registry import codes
from fupin.workflows.cases import criteria, services
from fupin.workflows.common.dashboards import T, _default_county_or_below, _int
from fupin.workflows.samples.models import Sample, SampleItem

ITEMS_PER_PAGE = 200  # drawn households per page of a sample


def _access_sample(actor: Actor, pk: int) -> Sample:
    sample = Sample.objects.select_related("region", "created_by").filter(pk=pk).first()
    if sample is None:
        raise NotFound()
    actor.require(Perm.CASE_VIEW, sample.region_code)
    return sample


@require_GET
def sample_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    qs = Sample.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
    region = (request.GET.get("region") or "").strip()
    if region:
        if not region.isdigit():
            raise NotFound()
        qs = qs.filter(region_code__startswith=region)
    qs = (
        qs.select_related("region", "created_by")
        .annotate(checked=Count("items", filter=~Q(items__finding="")))
        .order_by("-created_at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page_title": "抽样核查",
        "page": page,
        "region": region,
        "can_draw": actor.has_perm(Perm.CASE_ACT) and not actor.is_read_only,
    }
    return render(request, T + "sample_list.html", context)


@require_http_methods(["GET", "POST"])
def sample_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.is_read_only or not actor.has_perm(Perm.CASE_ACT):
        raise PermissionDenied("只读角色不能抽样")
    form: dict[str, Any] = {
        "region": _default_county_or_below(actor),
        "purpose": Sample.Purpose.EXITED,
        "size": "60",
        "seed": "",
        "note": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        form.update({k: request.POST.get(k, "").strip() for k in form})
        size = _int(form["size"], "size", "样本量", errors)
        seed = _int(form["seed"], "seed", "随机种子", errors)
        if size is None and "size" not in errors:
            errors["size"] = "请填写样本量"
        if not errors:
            try:
                sample = services.sample_draw(
                    actor=actor,
                    region_code=form["region"],
                    purpose=form["purpose"],
                    size=size or 0,
                    seed=seed,
                    note=form["note"],
                )
            except ValidationFailed as exc:
                error = exc.message
                errors.update({k: v[0] for k, v in exc.errors.items() if v})
            else:
                messages.success(
                    request,
                    f"已抽取 {sample.size} 户（总体 {sample.population} 户，随机种子 {sample.seed}）。",
                )
                return redirect("workflows:sample_detail", pk=sample.pk)
        status = 422
    context = {
        "page_title": "新建抽样",
        "form": form,
        "errors": errors,
        "error": error,
        "purposes": Sample.Purpose.choices,
    }
    return render(request, T + "sample_form.html", context, status=status)


def _rates(sample: Sample) -> dict[str, Any]:
    counts = dict(
        SampleItem.objects.filter(sample=sample)
        .values_list("finding")
        .annotate(n=Count("id"))
        .values_list("finding", "n")
    )
    checked = sum(n for f, n in counts.items() if f)
    rows = [(label, counts.get(value, 0)) for value, label in SampleItem.Finding.choices if value]
    target = {
        Sample.Purpose.EXITED: ("wrong_exit", "错退率"),
        Sample.Purpose.NON_POOR: ("missed", "漏评率"),
        Sample.Purpose.ALL: ("wrong_id", "错评率"),
    }[Sample.Purpose(sample.purpose)]
    return {
        "checked": checked,
        "pending": counts.get("", 0),
        "rows": rows,
        "rate_label": target[1],
        "rate": criteria.percent(counts.get(target[0], 0), checked),
    }


@require_GET
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    sample = _access_sample(actor, pk)
    items = SampleItem.objects.filter(sample=sample).select_related(
        "household", "household__village"
    )
    page = Paginator(items.order_by("position"), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    status_labels = dict(codes.Status.choices)
    context = {
        "page_title": f"抽样 {sample.pk} · {sample.region.name}",
        "sample": sample,
        "page": page,
        "status_labels": status_labels,
        "findings": [(v, label) for v, label in SampleItem.Finding.choices if v],
        "rates": _rates(sample),
        "can_record": actor.can_write(Perm.CASE_ACT, sample.region_code),
    }
    return render(request, T + "sample_detail.html", context)


@require_POST
def sample_finding(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    item = SampleItem.objects.filter(pk=pk).only("id", "sample_id", "position").first()
    if item is None:
        raise NotFound()
    page = (item.position - 1) // ITEMS_PER_PAGE + 1
    version = request.POST.get("version", "")
    try:
        # A page without the version (opened before it was sent) is as stale as an old one.
        saved = services.sample_finding_record(
            actor=actor,
            item_id=pk,
            finding=request.POST.get("finding", ""),
            note=request.POST.get("note", ""),
            version=int(version) if version.isdigit() else 0,
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationFailed as exc:
        messages.error(request, f"第 {item.position} 户：{exc.message}")
    else:
        messages.success(
            request, f"第 {saved.position} 户核查结论已登记：{saved.get_finding_display()}"
        )
    target = reverse("workflows:sample_detail", args=[item.sample_id])
    return redirect(f"{target}?page={page}#item-{pk}")


@require_GET
def sample_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The drawn list as CSV (UTF-8 with BOM so Excel reads the Chinese) for the third-party
    team: no ID numbers or phones, the seed and the population in the first lines."""
    actor = actor_of(request)
    sample = _access_sample(actor, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sample-{sample.pk}.csv"'
    response.write("\ufeff")
    writer = exports.csv_writer(response)
    writer.writerow(
        ["抽样编号", sample.pk, "抽样范围", f"{sample.region.name}（{sample.region_code}）"]
    )
    writer.writerow(["抽样目的", sample.get_purpose_display(), "随机种子", sample.seed])
    writer.writerow(["总体数量", sample.population, "样本量", sample.size])
    writer.writerow(["抽样时间", timezone.localtime(sample.created_at).strftime("%Y-%m-%d %H:%M")])
    writer.writerow([])
    writer.writerow(["序号", "户编号", "村代码", "村", "户主姓名", "状态", "核查结论", "说明"])
    status_labels = dict(codes.Status.choices)
    items = (
        SampleItem.objects.filter(sample=sample)
        .select_related("household", "household__village")
        .order_by("position")
    )
    for item in items.iterator(chunk_size=1000):
        h = item.household
        writer.writerow(
            [
                item.position,
                h.household_no,
                h.region_code,
                h.village.name if h.village else "",
                h.head_name,
                status_labels.get(h.status, h.status),
                item.get_finding_display() if item.finding else "",
                item.note,
            ]
        )
    return response
