"""GET /registry/exports/households?format=xlsx|csv&region=…&status=…: the same download as
the page, scoped and masked for the caller. An ID or phone number as the search term goes in
the body of POST /registry/exports/households instead: never in a URL (fupin.core.web.search)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Router

from fupin.core.access import actor_of
from fupin.core.api import Schema
from fupin.core.errors import ValidationFailed
from fupin.core.masking import is_personal_number

from . import views

router = Router(tags=["建档立卡"])

SEARCH_BY_POST = (
    "为保护个人信息，按身份证号或电话号码筛选导出请用 POST /api/v1/registry/exports/households，"
    "把筛选条件放在请求体中"
)


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
    full=true 并填写 reason 为「含完整身份信息」导出，须有完整个人信息权限，记入审计日志。
    按身份证号或电话号码筛选请用 POST（条件在请求体中）。"""
    if is_personal_number(q):
        raise ValidationFailed(SEARCH_BY_POST, errors={"q": [SEARCH_BY_POST]})
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


class ExportIn(Schema):
    format: str = Field("xlsx", max_length=10)
    region: str = Field("", max_length=12)
    status: str = Field("", max_length=10)
    attribute: str = Field("", max_length=10)
    cause: str = Field("", max_length=20)
    any_cause: bool = False
    identified_year: int | None = Field(None, ge=1, le=9999)
    exit_year: int | None = Field(None, ge=1, le=9999)
    rule: str = Field("", max_length=10)
    q: str = Field("", max_length=50, description="身份证号、电话号码、户编号或姓名前缀")
    encoding: str = Field("utf-8", max_length=10)
    full: bool = Field(False, description="含完整身份信息（须有完整个人信息权限并填写理由）")
    reason: str = Field("", max_length=500, description="完整导出的理由")


@router.post("/registry/exports/households", response={200: None})
def export_households_by_post(
    request: HttpRequest, body: ExportIn
) -> HttpResponse | StreamingHttpResponse:
    """与 GET 导出相同，筛选条件放在请求体中（按身份证号、电话号码筛选时使用）。"""
    params = body.dict()
    params["any_cause"] = "1" if body.any_cause else ""
    params["full"] = "1" if body.full else ""
    return views.download(actor_of(request), params)
