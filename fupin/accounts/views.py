"""Login, password change, the jurisdiction switcher and the user-management pages."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import FupinError, PermissionDenied, ValidationFailed
from fupin.core.http import render_error
from fupin.core.web.search import search_params, search_redirect
from fupin.regions.models import Region

from . import selectors, services
from .middleware import ACTIVE_GRANT_SESSION_KEY
from .models import Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form, refusing a "new" password equal to the current one: the forced change
    after a reset would otherwise be met by typing the reset password again."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or self.cleaned_data
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and old == new:  # the old one was checked against the account already
            self.add_error("new_password1", "新密码不能与原密码相同")
        return cleaned


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page_title"] = "修改密码"
        context["must_change"] = getattr(self.request.user, "must_change_password", False)
        return context

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        messages.success(self.request, "密码已修改。")
        return response


@require_POST
def switch_grant(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("grant", "")
    actor = actor_of(request)
    if raw.isdigit() and any(g.id == int(raw) for g in actor.grants):
        request.session[ACTIVE_GRANT_SESSION_KEY] = int(raw)
    else:
        request.session.pop(ACTIVE_GRANT_SESSION_KEY, None)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


# --- user management ----------------------------------------------------------------------


def _data(request: HttpRequest) -> QueryDict:
    """Form fields, accepting a JSON body too (htmx json-enc and scripted clients)."""
    if request.content_type == "application/json":
        data = QueryDict(mutable=True)
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        if isinstance(body, dict):
            for key, value in body.items():
                data[key] = "" if value is None else str(value)
        return data
    return request.POST


def _grant_choices(actor: Actor) -> dict[str, Any]:
    """Roles, and regions down to township level, for the grant pickers."""
    codes = [
        g.region_code
        for g in actor.in_use()
        if (Perm.USER_MANAGE in g.perms or g.is_system_admin) and not g.read_only
    ]
    regions: list[Region] = []
    if codes:
        q = actor.scope_q(Perm.USER_MANAGE, field="code")
        regions = list(Region.objects.filter(q, level__lte=4).order_by("code")[:800])
    return {"roles": Role.objects.all(), "regions": regions}


def user_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":  # the search box: a phone number stays out of the URL
        return search_redirect(request)
    params, warning = search_params(request)
    if warning:
        messages.warning(request, warning)
    query = params.get("q", "").strip()
    region_code = params.get("region", "").strip()
    try:
        users = selectors.user_list(actor, query=query, region_code=region_code)
    except FupinError as exc:
        return render_error(request, exc)
    page = Paginator(users, 30).get_page(request.GET.get("page"))
    # Paging keeps the query as it came: the search's session key, never the term itself.
    page_query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    rows = [
        {
            "user": user,
            "phone": selectors.display_phone(actor, user.phone),
            "grants": user.visible_grants,  # type: ignore[attr-defined]
        }
        for user in page.object_list
    ]
    return render(
        request,
        "accounts/user_list.html",
        {
            "page_title": "用户与授权",
            "rows": rows,
            "page": page,
            "query": query,
            "page_query": page_query,
            "region_code": region_code,
            "can_create": services.manager_rank(actor, region_code) is not None
            if region_code
            else any(
                (Perm.USER_MANAGE in g.perms or g.is_system_admin) and not g.read_only
                for g in actor.in_use()
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {"region": request.GET.get("region", "")}
    if request.method == "POST":
        data = _data(request)
        values = {k: data.get(k, "") for k in _CREATE_FIELDS}
        try:
            user = services.user_create(
                actor=actor,
                username=values["username"],
                real_name=values["real_name"],
                phone=values["phone"],
                title=values["title"],
                password=values["password"],
                role_code=values["role"],
                region_code=values["region"],
            )
        except ValidationFailed as exc:
            errors = exc.errors or {"__all__": [exc.message]}
            errors.setdefault("__all__", [exc.message])
        except FupinError as exc:
            return render_error(request, exc)
        else:
            messages.success(request, f"已创建用户 {user.label}，首次登录须修改密码。")
            return redirect("accounts:user_detail", pk=user.pk)
    else:
        try:
            if values["region"]:
                services.require_manage_region(actor, values["region"])
            elif not any(
                (Perm.USER_MANAGE in g.perms or g.is_system_admin) and not g.read_only
                for g in actor.in_use()
            ):
                raise PermissionDenied("您没有管理用户的权限")
        except FupinError as exc:
            return render_error(request, exc)
    values.pop("password", None)
    return render(
        request,
        "accounts/user_form.html",
        {
            "page_title": "新建用户",
            "values": values,
            "errors": errors,
            "form_errors": errors.get("__all__", []),
            "creating": True,
            **_grant_choices(actor),
        },
        status=422 if errors else 200,
    )


_CREATE_FIELDS = ("username", "real_name", "phone", "title", "password", "role", "region")


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        user = selectors.access_user(actor, pk)
    except FupinError as exc:
        return render_error(request, exc)
    try:
        services.require_manage_user(actor, user)
        can_manage = True
    except FupinError:
        can_manage = False
    return render(
        request,
        "accounts/user_detail.html",
        {
            "page_title": f"用户：{user.label}",
            "target": user,
            "phone": selectors.display_phone(actor, user.phone),
            "can_manage": can_manage,
            **(_grant_choices(actor) if can_manage else {}),
        },
    )


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    errors: dict[str, list[str]] = {}
    try:
        user = selectors.access_user(actor, pk)
        services.require_manage_user(actor, user)
    except FupinError as exc:
        return render_error(request, exc)
    values = {
        "real_name": user.real_name,
        "phone": user.phone or "",
        "title": user.title,
        "email": user.email,
        "version": str(user.version),
    }
    status = 200
    if request.method == "POST":
        data = _data(request)
        values = {k: data.get(k, "") for k in values}
        try:
            services.user_update(
                actor=actor,
                user_id=user.pk,
                version=int(values["version"] or 0),
                real_name=values["real_name"],
                phone=values["phone"],
                title=values["title"],
                email=values["email"],
            )
        except ValidationFailed as exc:
            errors = exc.errors or {}
            errors.setdefault("__all__", [exc.message])
            status = 422
        except FupinError as exc:
            if exc.status != 409:
                return render_error(request, exc)
            errors = {"__all__": [exc.message]}
            status = 409
        else:
            messages.success(request, "用户信息已保存。")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {
            "page_title": f"编辑用户：{user.label}",
            "target": user,
            "values": values,
            "errors": errors,
            "form_errors": errors.get("__all__", []),
            "creating": False,
        },
        status=status,
    )


def _post_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    except FupinError as exc:
        return render_error(request, exc)
    else:
        messages.success(request, done)
    return redirect("accounts:user_detail", pk=pk)


@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = _data(request).get("active", "") in ("1", "true", "True", "on")
    return _post_action(
        request,
        pk,
        lambda: services.user_set_active(actor=actor_of(request), user_id=pk, active=active),
        "账号已启用。" if active else "账号已停用。",
    )


@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    password = _data(request).get("password", "")
    return _post_action(
        request,
        pk,
        lambda: services.user_reset_password(
            actor=actor_of(request), user_id=pk, password=password
        ),
        "密码已重置，用户下次登录须修改密码。",
    )


@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        lambda: services.user_unlock(actor=actor_of(request), user_id=pk),
        "已解除登录锁定。",
    )


@require_POST
def grant_add(request: HttpRequest, pk: int) -> HttpResponse:
    data = _data(request)
    return _post_action(
        request,
        pk,
        lambda: services.grant_add(
            actor=actor_of(request),
            user_id=pk,
            role_code=data.get("role", ""),
            region_code=data.get("region", "").strip(),
        ),
        "授权已添加。",
    )


@require_POST
def grant_remove(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        lambda: services.grant_remove(actor=actor_of(request), user_id=pk, grant_id=grant_id),
        "授权已收回。",
    )
