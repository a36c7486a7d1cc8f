"""Working-day calendar pages (工作日历, /system/calendar/): every year with its status; for
a year its holidays and adjusted working days, which the system administrator enters as
lines of text when the State Council publishes them and then confirms as official
(fupin.core.calendar)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.core import calendar
from fupin.core.access import Actor, actor_of
from fupin.core.context import audit_context
from fupin.core.errors import FupinError, NotFound, PermissionDenied, ValidationFailed


def _version(raw: str | None) -> int | None:
    """The version the form saw; blank for a year not stored yet."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ValidationFailed(
            "版本号不正确，请刷新页面后重试", errors={"version": ["应为整数"]}
        ) from exc


def calendar_years(request: HttpRequest) -> HttpResponse:
    actor: Actor = actor_of(request)
    years = calendar.calendar_years(actor)
    error = None
    wanted = request.GET.get("year", "").strip()
    if wanted:
        if wanted.isdigit() and calendar.admin.YEAR_MIN <= int(wanted) <= calendar.admin.YEAR_MAX:
            return redirect("web:calendar_year", year=int(wanted))
        error = ValidationFailed(
            f"年度应为 {calendar.admin.YEAR_MIN}–{calendar.admin.YEAR_MAX} 之间的四位数字"
        )
    return render(
        request,
        "web/calendar.html",
        {
            "page_title": "工作日历",
            "years": years,
            "can_edit": calendar.can_edit(actor),
            "error": error,
            "wanted": wanted,
        },
        status=error.status if error else 200,
    )


def _year_page(
    request: HttpRequest,
    year: int,
    *,
    form: dict[str, Any] | None = None,
    error: FupinError | None = None,
) -> HttpResponse:
    actor: Actor = actor_of(request)
    detail = calendar.calendar_year(actor, year)
    if form is None:
        form = {
            "holidays": detail.holidays_text,
            "workdays": detail.workdays_text,
            "basis": detail.row.basis if detail.row else "",
            "version": detail.row.version if detail.row else "",
        }
    return render(
        request,
        "web/calendar_year.html",
        {
            "page_title": f"工作日历 · {year}年",
            "detail": detail,
            "note": calendar.provisional_note(year),
            "can_edit": calendar.can_edit(actor),
            "form": form,
            "error": error,
            "field_errors": getattr(error, "errors", {}) if error else {},
        },
        status=error.status if error else 200,
    )


def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    return _year_page(request, year)


def _reason(request: HttpRequest, default: str) -> str:
    return (request.POST.get("reason", "") or "").strip()[:200] or default


@require_POST
def calendar_year_save(request: HttpRequest, year: int) -> HttpResponse:
    actor: Actor = actor_of(request)
    data = request.POST
    form = {name: data.get(name, "") for name in ("holidays", "workdays", "basis", "version")}
    form["reason"] = data.get("reason", "")
    try:
        calendar.require_edit(actor)  # a refusal before any complaint about the input
        holidays, h_errors = calendar.parse_holidays(form["holidays"])
        workdays, w_errors = calendar.parse_workdays(form["workdays"])
        if h_errors or w_errors:
            first = (h_errors or w_errors)[0]
            count = len(h_errors) + len(w_errors)
            raise ValidationFailed(
                first if count == 1 else f"{first}（另有 {count - 1} 处问题）",
                errors={k: v for k, v in (("holidays", h_errors), ("workdays", w_errors)) if v},
            )
        with audit_context(reason=_reason(request, f"录入{year}年工作日历")):
            calendar.calendar_year_save(
                actor=actor,
                year=year,
                holidays=holidays,
                workdays=workdays,
                basis=form["basis"],
                version=_version(form["version"]),
            )
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except FupinError as exc:
        return _year_page(request, year, form=form, error=exc)
    messages.success(request, f"{year}年工作日历已保存")
    return redirect(reverse("web:calendar_year", args=[year]))


@require_POST
def calendar_year_status(request: HttpRequest, year: int) -> HttpResponse:
    actor: Actor = actor_of(request)
    status = request.POST.get("status", "")
    try:
        calendar.require_edit(actor)
        version = _version(request.POST.get("version"))
        if version is None:
            raise ValidationFailed("缺少版本号，请刷新页面后重试", errors={"version": ["必填"]})
        label = "正式公布" if status == calendar.OFFICIAL else "暂定"
        with audit_context(reason=_reason(request, f"将{year}年工作日历设为{label}")):
            row = calendar.calendar_year_set_status(
                actor=actor, year=year, status=status, version=version
            )
    except (NotFound, PermissionDenied):
        raise
    except FupinError as exc:
        return _year_page(request, year, error=exc)
    messages.success(request, f"{year}年工作日历已设为“{row.get_status_display()}”")
    return redirect(reverse("web:calendar_year", args=[year]))
