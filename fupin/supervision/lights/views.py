"""Traffic-light pages (亮灯预警): the board (units × quarters per indicator), the entry form
for targets and actual values, and the reminder interview (提醒谈话) of a yellow light."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fupin.core.access import Perm
from fupin.core.errors import Conflict, NotFound, ValidationFailed
from fupin.regions.models import Region
from fupin.supervision.inspections.views import (
    actor_of,
    default_region,
    error_context,
    form_data,
    parse_date,
    require_writer,
    writable_regions,
)
from fupin.supervision.lights import services as svc
from fupin.supervision.lights.models import QuarterTarget

T = "supervision/lights/"


def _int(value: Any, default: int | None = None) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else default


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year) or today.year
    indicator = (request.GET.get("indicator") or "").strip()
    region = (request.GET.get("region") or "").strip()
    if region:
        if not region.isdigit():
            raise NotFound()
        actor.require(Perm.ALERT_VIEW, region)
    data = svc.light_board(actor, year=year, indicator_code=indicator, region_prefix=region)
    years = sorted(
        set(svc.targets_for(actor).values_list("year", flat=True).distinct()) | {today.year},
        reverse=True,
    )
    context = {
        "page_title": "亮灯预警",
        "board": data,
        "year": year,
        "years": years,
        "indicator": indicator,
        "indicators": svc.indicators(),
        "region": region,
        "quarters": [1, 2, 3, 4],
        "can_write": actor.has_perm(Perm.ALERT_ACT) and not actor.is_read_only,
        "pending": list(svc.pending_interviews(actor)[:50]),
    }
    return render(request, T + "board.html", context)


@require_http_methods(["GET", "POST"])
def target_form(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor, "只读角色不能录入目标和完成值")
    today = timezone.localdate()
    source: Any = form_data(request) if request.method == "POST" else request.GET
    form: dict[str, Any] = {
        "region": str(source.get("region") or "").strip() or default_region(actor),
        "indicator": str(source.get("indicator") or "").strip(),
        "year": str(source.get("year") or today.year).strip(),
        "quarter": str(source.get("quarter") or (today.month - 1) // 3 + 1).strip(),
        "target": "",
        "annual_target": "",
        "actual": "",
        "version": "",
    }
    region = (
        Region.objects.filter(code=form["region"]).first() if form["region"].isdigit() else None
    )
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require_write(Perm.ALERT_ACT, region.code, "只读角色不能录入目标和完成值")
    existing = None
    year, quarter = _int(form["year"]), _int(form["quarter"])
    if form["indicator"] and year and quarter:
        existing = QuarterTarget.objects.filter(
            region_code=region.code, indicator_id=form["indicator"], year=year, quarter=quarter
        ).first()
    if existing is not None and request.method == "GET":
        form.update(
            target=existing.target,
            annual_target=existing.annual_target if existing.annual_target is not None else "",
            actual=existing.actual if existing.actual is not None else "",
            version=existing.version,
        )
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        form.update(
            {
                k: str(source.get(k, "") or "").strip()
                for k in ("target", "annual_target", "actual", "version")
            }
        )
        try:
            row = svc.target_save(
                actor=actor,
                region_code=region.code,
                indicator_code=form["indicator"],
                year=year or 0,
                quarter=quarter or 0,
                target=svc.parse_decimal(form["target"], "target", "季度目标值", required=True),
                annual_target=svc.parse_decimal(
                    form["annual_target"], "annual_target", "年度目标", required=False
                ),
                actual=svc.parse_decimal(form["actual"], "actual", "完成值", required=False),
                version=_int(form["version"]),
            )
        except (ValidationFailed, Conflict) as exc:
            failed = isinstance(exc, ValidationFailed)
            error = error_context(exc, errors) if failed else exc.message  # type: ignore[arg-type]
            status = 409 if isinstance(exc, Conflict) else 422
        else:
            light = row.get_light_display() or "未亮灯（待填报完成值）"
            messages.success(
                request,
                f"已保存：{region.name} {row.indicator.name} {row.year}年第{row.quarter}季度，{light}。",
            )
            return redirect(
                reverse("supervision:lights") + f"?year={row.year}&indicator={row.indicator_id}"
            )
    context = {
        "page_title": "录入目标和完成值",
        "form": form,
        "region_obj": region,
        "errors": errors,
        "error": error,
        "indicators": svc.indicators(),
        "existing": existing,
        "regions": writable_regions(actor),
    }
    return render(request, T + "target_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    row = svc.access_target(actor, pk)
    can_write = actor.can_write(Perm.ALERT_ACT, row.region_code)
    today = timezone.localdate()
    form: dict[str, Any] = {
        "held_on": today.isoformat(),
        "interviewer": "",
        "interviewee": "",
        "notes": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        actor.require_write(Perm.ALERT_ACT, row.region_code, "只读角色不能登记提醒谈话")
        data = form_data(request)
        form.update({k: str(data.get(k, "") or "").strip() for k in form})
        day = parse_date(form["held_on"], "held_on", "谈话日期", errors)
        if day is not None:
            try:
                svc.interview_record(
                    actor=actor,
                    target_id=row.pk,
                    held_on=day,
                    interviewer=form["interviewer"],
                    interviewee=form["interviewee"],
                    notes=form["notes"],
                )
            except ValidationFailed as exc:
                error = error_context(exc, errors)
            else:
                messages.success(
                    request, f"已登记提醒谈话：{row.region.name} {row.indicator.name}。"
                )
                return redirect(
                    reverse("supervision:lights") + f"?year={row.year}&indicator={row.indicator_id}"
                )
        else:
            error = "请检查填写的内容"
        status = 422
    context = {
        "page_title": "提醒谈话",
        "row": row,
        "interviews": list(svc.interviews_of(row)),
        "form": form,
        "errors": errors,
        "error": error,
        "can_write": can_write,
        "needs_form": row.light in ("yellow", "red"),
    }
    return render(request, T + "interview.html", context, status=status)
