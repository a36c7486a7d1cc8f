"""Parameter page: every defined parameter, its effective value here, overrides, and edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.core import params
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import FupinError, NotFound, PermissionDenied, ValidationFailed


def _int_or_none(raw: str | None, field: str, label: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为整数", errors={field: ["应为整数"]}) from exc


def _page(
    request: HttpRequest,
    *,
    form: dict[str, Any] | None = None,
    error: FupinError | None = None,
) -> HttpResponse:
    actor: Actor = actor_of(request)
    region = request.GET.get("region", "").strip() or None
    try:
        year = _int_or_none(request.GET.get("year"), "year", "年度")
        overview = params.parameter_overview(actor, region_code=region, year=year)
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except ValidationFailed as exc:
        error = error or exc
        overview = params.parameter_overview(actor, region_code=region)
    if form is None:
        form = {"key": request.GET.get("key", ""), "region_code": overview["region_code"]}
        edit = request.GET.get("edit")
        if edit:
            for item in overview["items"]:
                for row in item["overrides"]:
                    if str(row.pk) == edit:
                        form = {
                            "key": row.key,
                            "region_code": row.region_code,
                            "year": row.year or "",
                            "value": row.value,
                            "version": row.version,
                        }
    return render(
        request,
        "web/parameters.html",
        {
            "page_title": "参数设置",
            "overview": overview,
            "can_edit": actor.has_perm(Perm.PARAM_EDIT),
            "grant_regions": [g for g in actor.in_use() if Perm.PARAM_EDIT in g.perms],
            "is_system_admin": actor.is_system_admin,
            "form": form,
            "error": error,
            "field_errors": getattr(error, "errors", {}) if error else {},
        },
        status=error.status if error else 200,
    )


def parameters(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _back(request: HttpRequest) -> str:
    query = QueryDict(mutable=True)
    for name in ("region", "year"):
        value = request.POST.get(f"view_{name}", "")
        if value:
            query[name] = value
    url = reverse("web:parameters")
    return f"{url}?{query.urlencode()}" if query else url


@require_POST
def parameter_set(request: HttpRequest) -> HttpResponse:
    actor: Actor = actor_of(request)
    data = request.POST
    form = {name: data.get(name, "") for name in ("key", "region_code", "year", "value", "reason")}
    form["version"] = data.get("version", "")
    try:
        params.set_parameter(
            actor=actor,
            key=data.get("key", ""),
            region_code=data.get("region_code", ""),
            year=_int_or_none(data.get("year"), "year", "适用年度"),
            value=data.get("value", ""),
            reason=data.get("reason", ""),
            version=_int_or_none(data.get("version"), "version", "版本"),
        )
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except FupinError as exc:
        return _page(request, form=form, error=exc)
    messages.success(request, "参数已保存")
    return redirect(_back(request))


@require_POST
def parameter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = actor_of(request)
    try:
        params.delete_override(
            actor=actor,
            pk=pk,
            reason=request.POST.get("reason", ""),
            version=_int_or_none(request.POST.get("version"), "version", "版本"),
        )
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except FupinError as exc:
        return _page(request, error=exc)
    messages.success(request, "已删除该覆盖值")
    return redirect(_back(request))
