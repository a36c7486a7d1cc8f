"""Login, logout, password change and the jurisdiction switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .middleware import ACTIVE_GRANT_SESSION_KEY


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


@require_POST
def switch_grant(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("grant", "")
    actor = request.actor  # type: ignore[attr-defined]
    if raw.isdigit() and any(g.id == int(raw) for g in actor.grants):
        request.session[ACTIVE_GRANT_SESSION_KEY] = int(raw)
    else:
        request.session.pop(ACTIVE_GRANT_SESSION_KEY, None)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
