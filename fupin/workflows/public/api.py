"""Public notices (no login): running notices with their masked lines only, and the
anonymous objection form. Nothing here reads personal data beyond what the notice froze."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from fupin.core.api import LazyPage, Pagination, Schema, no_nul
from fupin.core.errors import NotFound
from fupin.workflows import engine
from fupin.workflows.common.schemas import TAGS
from fupin.workflows.notices import services as notices
from fupin.workflows.notices.models import Notice, NoticeStatus
from fupin.workflows.public.views import RATE_LIMIT_MESSAGE, rate_limited

router = Router(tags=TAGS, auth=None)


class PublicNoticeOut(Schema):
    id: int
    notice_no: str
    title: str
    kind_label: str
    level_label: str
    region_name: str
    start_date: dt.date
    end_date: dt.date
    running: bool
    outcome: str


class PublicEntryOut(Schema):
    id: int
    line: dict[str, Any] = Field(..., description="公示内容（已脱敏）")


class PublicNoticeDetailOut(PublicNoticeOut):
    body: str
    contact: str
    entries: list[PublicEntryOut]


class PublicObjectionIn(Schema):
    content: str = Field(..., max_length=2000)
    name: str = Field("", max_length=50, description="可匿名")
    phone: str = Field("", max_length=20, description="可不填")
    entry_id: int | None = Field(None, description="异议针对的名单条目（名单只有一户时可省略）")


class ReceiptOut(Schema):
    reference: int = Field(..., description="受理编号，查询或电话反映时提供")
    message: str


class RateLimitedOut(Schema):
    code: str
    message: str


def _item(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "notice_no": notice.notice_no,
        "title": notice.title,
        "kind_label": engine.kind_label(notice.kind),
        "level_label": notice.get_level_display(),
        "region_name": notice.region.name,
        "start_date": notice.start_date,
        "end_date": notice.end_date,
        "running": notices.is_running(notice),
        "outcome": notices.notice_outcome(notice),
    }


def _public_notice(notice_id: int) -> Notice:
    """A notice the public may read: published (started) and not withdrawn."""
    notice = (
        Notice.objects.select_related("region")
        .filter(pk=notice_id, start_date__lte=timezone.localdate())
        .exclude(status=NoticeStatus.WITHDRAWN)
        .first()
    )
    if notice is None:
        raise NotFound("公示不存在")
    return notice


@router.get(
    "/public/notices",
    response=list[PublicNoticeOut],
    auth=None,
    summary="公示期内的公示（公开）",
    operation_id="fupin_workflows_api_public_list_public_notices",
)
@paginate(Pagination)
def list_public_notices(
    request: HttpRequest,
    region: str = Query("", max_length=12, pattern=r"^\d*$", description="区划代码（前缀）"),
) -> Any:
    no_nul(region)
    return LazyPage.rows(notices.public_notices(region), _item)


@router.get(
    "/public/notices/{notice_id}",
    response=PublicNoticeDetailOut,
    auth=None,
    summary="公示名单（公开，已脱敏）",
    operation_id="fupin_workflows_api_public_get_public_notice",
)
def get_public_notice(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    notice = _public_notice(notice_id)
    entries = notice.entries.filter(withdrawn=False).order_by("id")
    return {
        **_item(notice),
        "body": notice.body,
        "contact": notice.contact,
        "entries": [{"id": e.pk, "line": e.published} for e in entries],
    }


@router.post(
    "/public/notices/{notice_id}/objections",
    response={201: ReceiptOut, 429: RateLimitedOut},
    auth=None,
    summary="对公示提出异议（公开，可匿名；按来源地址限频）",
    operation_id="fupin_workflows_api_public_submit_public_objection",
)
def submit_public_objection(
    request: HttpRequest, notice_id: int, payload: PublicObjectionIn
) -> Status[Any]:
    no_nul(payload.dict())
    notice = _public_notice(notice_id)
    # One allowance per address, shared with the public page's objection form.
    if rate_limited(request):
        return Status(429, {"code": "rate_limited", "message": RATE_LIMIT_MESSAGE})
    objection = notices.objection_submit(
        notice_id=notice.pk, data=notices.ObjectionInput(**payload.dict()), actor=None
    )
    return Status(
        201,
        {"reference": objection.pk, "message": "您的异议已收到，我们将核实处理，感谢您的监督"},
    )
