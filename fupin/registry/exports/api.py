"""GET /registry/exports/households?format=xlsx|csv&region=…&status=…: the same download as
the page, scoped and masked for the caller."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router

from fupin.core.access import actor_of

from . import views

router = Router(tags=["建档立卡"])


@router.get("/registry/exports/households", response={200: None})
def export_households(
    request: HttpRequest,
    format: str = "xlsx",
    region: str = "",
    status: str = "",
    attribute: str = "",
    cause: str = "",
    any_cause: bool = False,
    identified_year: int | None = None,
    exit_year: int | None = None,
    rule: str = "",
    q: str = "",
    encoding: str = "utf-8",
    full: bool = False,
    reason: str = "",
) -> HttpResponse | StreamingHttpResponse:
    """导出贫困户及家庭成员（xlsx 两个工作表，或 csv 平铺）。身份证号、电话、银行账号一律脱敏；
    full=true 并填写 reason 为「含完整身份信息」导出，须有完整个人信息权限，记入审计日志。"""
    params = {
        "format": format,
        "region": region,
        "status": status,
        "attribute": attribute,
        "cause": cause,
        "any_cause": "1" if any_cause else "",
        "identified_year": identified_year or "",
        "exit_year": exit_year or "",
        "rule": rule,
        "q": q,
        "encoding": encoding,
        "full": "1" if full else "",
        "reason": reason,
    }
    return views.download(actor_of(request), params)
