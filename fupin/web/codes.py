"""Code list page (代码表管理): every registry code list with its items; the system
administrator renames and reorders items, stops custom ones and adds items to the lists
that allow it (fupin.core.codelists)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.core import codelists
from fupin.core.access import Actor, actor_of
from fupin.core.errors import FupinError, NotFound, PermissionDenied, ValidationFailed


def _version(raw: str | None) -> int:
    try:
        return int((raw or "").strip())
    except ValueError as exc:
        raise ValidationFailed(
            "缺少版本号，请刷新页面后重试", errors={"version": ["应为整数"]}
        ) from exc


def _page(
    request: HttpRequest,
    *,
    form: dict[str, Any] | None = None,
    error: FupinError | None = None,
) -> HttpResponse:
    actor: Actor = actor_of(request)
    lists = codelists.overview(actor)
    form = form or {}
    for code_list in lists:
        for item in code_list["items"]:
            # What the edit form shows: the stored values, or what was just submitted.
            mine = form.get("pk") == item.pk
            item.edit_label = form.get("label", item.label) if mine else item.label
            item.edit_position = form.get("position", item.position) if mine else item.position
            item.edit_active = form.get("active", item.active) if mine else item.active
            item.edit_error = error if mine else None
        code_list["add_form"] = form if form.get("list_key") == code_list["key"] else {}
        code_list["add_error"] = error if code_list["add_form"] else None
    can_edit = codelists.can_edit(actor)
    return render(
        request,
        "web/codes.html",
        {
            "page_title": "代码表管理",
            "lists": lists,
            "can_edit": can_edit,
            # An editor's form repeats the label and order: on a phone, those columns give way.
            "form_repeats": "d-none d-md-table-cell" if can_edit else "",
            "error": error,
            "field_errors": getattr(error, "errors", {}) if error else {},
        },
        status=error.status if error else 200,
    )


def codes(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _back(list_key: str) -> str:
    return f"{reverse('web:codes')}#list-{list_key}"


@require_POST
def code_update(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = actor_of(request)
    data = request.POST
    active = data.get("active", "") in ("1", "on", "true")
    form = {
        "pk": pk,
        "label": data.get("label", ""),
        "position": data.get("position", ""),
        "active": active,
    }
    try:
        item = codelists.update_item(
            actor=actor,
            pk=pk,
            label=data.get("label", ""),
            position=data.get("position", ""),
            active=active,
            version=_version(data.get("version")),
            reason=data.get("reason", ""),
        )
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except FupinError as exc:
        return _page(request, form=form, error=exc)
    messages.success(request, f"代码项“{item.label}”已保存")
    return redirect(_back(item.list_key))


@require_POST
def code_add(request: HttpRequest) -> HttpResponse:
    actor: Actor = actor_of(request)
    data = request.POST
    form = {name: data.get(name, "") for name in ("list_key", "value", "label")}
    try:
        item = codelists.add_item(
            actor=actor,
            list_key=form["list_key"],
            value=form["value"],
            label=form["label"],
            reason=data.get("reason", ""),
        )
    except (NotFound, PermissionDenied):
        raise  # rendered by DomainErrorMiddleware
    except FupinError as exc:
        return _page(request, form=form, error=exc)
    messages.success(request, f"已新增代码项“{item.label}”（{item.value}）")
    return redirect(_back(item.list_key))
