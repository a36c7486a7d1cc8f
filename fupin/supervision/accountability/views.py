"""Accountability pages (问责): the filtered list with statistics (by kind, region, year) and
the form recording a decision."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fupin.core.access import Perm
from fupin.core.errors import NotFound, ValidationFailed
from fupin.supervision.accountability import services as svc
from fupin.supervision.alerts.models import Alert
from fupin.supervision.inspections.models import Finding
from fupin.supervision.inspections.views import (
    actor_of,
    as_list,
    default_region,
    error_context,
    form_data,
    parse_date,
    require_writer,
    writable_regions,
)

T = "supervision/accountability/"


def _filters(request: HttpRequest) -> svc.Filters:
    year = (request.GET.get("year") or "").strip()
    unit = (request.GET.get("subject_type") or "").strip()
    return svc.Filters(
        region=(request.GET.get("region") or "").strip(),
        kind=(request.GET.get("kind") or "").strip(),
        # Four ASCII digits: a longer number overflowed PostgreSQL's integer (a 500).
        year=int(year) if re.fullmatch(r"[0-9]{4}", year) else None,
        subject=(request.GET.get("subject") or "").strip()[:50],
        unit_only={"unit": True, "person": False}.get(unit),
    )


@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = _filters(request)
    if filters.region:
        if not filters.region.isdigit():
            raise NotFound()
        actor.require(Perm.ALERT_VIEW, filters.region)
    page = Paginator(svc.record_list(actor, filters), 50).get_page(request.GET.get("page"))
    stats = svc.stats(actor, filters)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page_title": "问责记录",
        "page": page,
        "stats": stats,
        "filters": filters,
        "subject_type": (request.GET.get("subject_type") or "").strip(),
        "kinds": svc.Kind.choices,
        "query": query.urlencode(),
        "chart": {
            "kinds": [{"name": label, "value": n} for _, label, n in stats.by_kind if n],
            "regions": [[name, n] for _, name, n in stats.by_region[:20]],
            "years": [[str(y), n] for y, n in stats.by_year],
        },
        "can_write": actor.has_perm(Perm.ALERT_ACT) and not actor.is_read_only,
    }
    return render(request, T + "list.html", context)


@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor, "只读角色不能登记问责")
    today = timezone.localdate()
    form: dict[str, Any] = {
        "region": (request.GET.get("region") or "").strip() or default_region(actor),
        "kind": "",
        "subject_type": "person",
        "subject_name": "",
        "subject_title": "",
        "reason": "",
        "decided_on": today.isoformat(),
        "deciding_body": "",
        "alerts": [],
        "findings": [],
    }
    if request.method == "GET" and request.GET.get("region"):
        code = form["region"]
        if not code.isdigit():
            raise NotFound()
        actor.require_write(Perm.ALERT_ACT, code, "只读角色不能登记问责")
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        data = form_data(request)
        form.update(
            {k: str(data.get(k, "") or "").strip() for k in form if k not in ("alerts", "findings")}
        )
        form["alerts"] = as_list(data.get("alerts"))
        form["findings"] = as_list(data.get("findings"))
        code = form["region"]
        if not code.isdigit():
            raise NotFound("区划代码不存在或不在您的管辖范围内")
        actor.require_write(Perm.ALERT_ACT, code, "只读角色不能登记问责")
        day = parse_date(form["decided_on"], "decided_on", "决定日期", errors)
        try:
            alert_ids = [int(i) for i in form["alerts"]]
            finding_ids = [int(i) for i in form["findings"]]
        except ValueError:
            alert_ids, finding_ids = [], []
            errors["alerts"] = "关联记录选择有误"
        if errors or day is None:
            error = "请检查填写的内容"
        else:
            try:
                record = svc.accountability_create(
                    actor=actor,
                    region_code=code,
                    kind=form["kind"],
                    subject_is_unit=form["subject_type"] == "unit",
                    subject_name=form["subject_name"],
                    subject_title=form["subject_title"],
                    reason=form["reason"],
                    decided_on=day,
                    deciding_body=form["deciding_body"],
                    alert_ids=alert_ids,
                    finding_ids=finding_ids,
                )
            except ValidationFailed as exc:
                error = error_context(exc, errors)
            else:
                messages.success(
                    request, f"已登记问责：{record.subject_name} {record.get_kind_display()}。"
                )
                return redirect(
                    reverse("supervision:accountability") + f"?region={record.region_code}"
                )
        status = 422
    scope = actor.scope_q(Perm.ALERT_VIEW, "region_code")
    context = {
        "page_title": "登记问责",
        "form": form,
        "errors": errors,
        "error": error,
        "kinds": svc.Kind.choices,
        "regions": writable_regions(actor),
        "alerts": Alert.objects.filter(scope)
        .select_related("case")
        .order_by("-first_seen_at")[:100],
        "findings": Finding.objects.filter(scope)
        .select_related("visit__region")
        .order_by("-id")[:100],
    }
    return render(request, T + "form.html", context, status=status)
