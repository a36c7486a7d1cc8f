"""The django-ninja API at /api/v1, assembled from each app's router."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fupin.core.api import AUTH
from fupin.core.errors import FupinError, ValidationFailed
from fupin.core.inputguard import BAD_JSON_MESSAGE
from fupin.core.outage import unavailable_response
from fupin.core.platform import api_routers


def docs_login_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page and the schema: open in development, behind the login in production
    (FUPIN_API_DOCS_LOGIN_REQUIRED): the schema maps every operation an attacker could try."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.FUPIN_API_DOCS_LOGIN_REQUIRED and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())  # type: ignore[return-value]
        return view(request, *args, **kwargs)

    return guarded


api = NinjaAPI(
    title="精准扶贫大数据监管平台 API",
    version="1",
    description="所有接口均按调用者的管辖区划过滤；错误以 JSON 返回 code 与中文 message。",
    auth=AUTH,
    docs_url="/docs",
    docs_decorator=docs_login_guard,
    urls_namespace="api",
)


@api.exception_handler(FupinError)
def on_domain_error(request: HttpRequest, exc: FupinError) -> HttpResponse:
    body: dict[str, object] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, ValidationFailed) and exc.errors:
        body["errors"] = exc.errors
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "message": "未登录或令牌无效"}, status=401
    )


VERSION_MISSING = (
    "缺少版本号 version：请先读取该记录，带上读到的 version 再保存，以免覆盖他人的修改"
)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    message = "提交的数据格式不正确"
    for item in exc.errors:
        loc = ".".join(str(part) for part in item.get("loc", [])[1:]) or "__all__"
        note = item.get("msg", "格式不正确")
        if item.get("type") == "missing":
            note = "必填"
            if loc.split(".")[-1] == "version":  # every edit carries the version it read
                message = VERSION_MISSING
        errors.setdefault(loc, []).append(note)
    return api.create_response(
        request, {"code": "validation_failed", "message": message, "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body = {"code": f"http_{exc.status_code}", "message": str(exc)}
    if str(exc).startswith("Cannot parse request body"):  # ninja's words for a bad body
        body = {"code": "bad_request", "message": BAD_JSON_MESSAGE}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # 503 JSON {code: "db_unavailable", …} with Retry-After, in development too (ninja's own
    # handler would answer a traceback there); other errors reach the project's 500 handler.
    return unavailable_response(request)


def _register_routers() -> None:
    # Each app declares its routers (FupinApp.api_routers); each router declares its own
    # paths under /api/v1/ (e.g. /regions/…, /users/…).
    for prefix, router in api_routers():
        api.add_router(prefix, router)


_register_routers()
