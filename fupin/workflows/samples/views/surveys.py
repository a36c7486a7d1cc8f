"""Survey records (满意度、认可度调查)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from fupin.core.access import Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.workflows.cases import criteria, services
from fupin.workflows.common.dashboards import T, _int
from fupin.workflows.samples.models import Survey


@require_http_methods(["GET", "POST"])
def surveys(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    county = (request.GET.get("county") or "").strip()
    qs = Survey.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
    if county:
        if not county.isdigit():
            raise NotFound()
        qs = qs.filter(region_code__startswith=county)
    form: dict[str, Any] = {
        "village": "",
        "surveyed_on": timezone.localdate().isoformat(),
        "surveyed": "",
        "satisfied": "",
        "surveyor": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        if actor.is_read_only or not actor.has_perm(Perm.CASE_ACT):
            raise PermissionDenied("只读角色不能登记调查结果")
        form.update({k: request.POST.get(k, "").strip() for k in form})
        surveyed = _int(form["surveyed"], "surveyed", "调查人数", errors)
        satisfied = _int(form["satisfied"], "satisfied", "认可人数", errors)
        for key, label, value in (
            ("surveyed", "调查人数", surveyed),
            ("satisfied", "认可人数", satisfied),
        ):
            if value is None and key not in errors:
                errors[key] = f"请填写{label}"
        try:
            day = dt.date.fromisoformat(form["surveyed_on"])
        except ValueError:
            errors["surveyed_on"] = "请填写调查日期"
        village = form["village"]
        if not (village.isdigit() and len(village) == 12):
            errors["village"] = "请填写12位村代码"
        if not errors:
            try:
                services.survey_record(
                    actor=actor,
                    village_code=village,
                    surveyed_on=day,
                    surveyed=surveyed or 0,
                    satisfied=satisfied or 0,
                    surveyor=form["surveyor"],
                )
            except ValidationFailed as exc:
                error = exc.message
                errors.update({k: v[0] for k, v in exc.errors.items() if v})
            else:
                messages.success(request, "群众认可度调查记录已保存。")
                return redirect(request.get_full_path())
        status = 422
    page = Paginator(
        qs.select_related("region", "created_by").order_by("-surveyed_on", "-id"), 50
    ).get_page(request.GET.get("page"))
    summary = qs.aggregate(n=Count("id"))
    total = _survey_totals(qs)
    context = {
        "page_title": "群众认可度调查",
        "page": page,
        "county": county,
        "form": form,
        "errors": errors,
        "error": error,
        "records": summary["n"],
        "totals": total,
        "can_record": actor.has_perm(Perm.CASE_ACT) and not actor.is_read_only,
    }
    return render(request, T + "surveys.html", context, status=status)


def _survey_totals(qs: Any) -> dict[str, Any]:
    from django.db.models import Sum

    row = qs.aggregate(s=Sum("surveyed"), ok=Sum("satisfied"))
    surveyed, satisfied = int(row["s"] or 0), int(row["ok"] or 0)
    return {
        "surveyed": surveyed,
        "satisfied": satisfied,
        "rate": criteria.percent(satisfied, surveyed),
    }
