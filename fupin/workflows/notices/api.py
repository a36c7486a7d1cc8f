"""Notices (公示/公告) and objections for staff: scoped lists, a notice with its masked lines
and objections, registering an objection received off-line, recording the verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from fupin.core.access import Actor, Perm
from fupin.core.api import KeysetList, KeysetPagination, Schema, actor_of, no_nul
from fupin.core.errors import PermissionDenied
from fupin.workflows.common.api import notice_item, objection_out
from fupin.workflows.common.schemas import TAGS, ObjectionOut
from fupin.workflows.notices import selectors
from fupin.workflows.notices import services as notices
from fupin.workflows.notices.models import Notice

router = Router(tags=TAGS)


class NoticeOut(Schema):
    id: int
    notice_no: str
    kind: str
    kind_label: str
    stage: str
    stage_label: str
    level: str
    level_label: str
    region_code: str
    region_name: str
    title: str
    start_date: dt.date
    end_date: dt.date
    status: str
    status_label: str
    running: bool
    outcome: str
    entry_count: int | None = None
    objection_count: int | None = None


class EntryOut(Schema):
    id: int
    case_id: int
    case_no: str
    case_state_label: str
    published: dict[str, Any] = Field(..., description="公示内容（已脱敏）")
    withdrawn: bool
    withdrawn_reason: str


class NoticeDetailOut(NoticeOut):
    body: str
    contact: str
    entries: list[EntryOut]
    objections: list[ObjectionOut]


class ObjectionIn(Schema):
    content: str = Field(..., max_length=2000)
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    entry_id: int | None = Field(None, description="异议针对的名单条目（名单只有一户时可省略）")


class ResolveIn(Schema):
    upheld: bool = Field(..., description="异议是否成立")
    resolution: str = Field(..., max_length=2000)


def notice_detail(actor: Actor, notice: Notice) -> dict[str, Any]:
    """The notice as the caller may read it: their entries, the objections they handle."""
    from fupin.workflows.common.api import state_label

    entries = selectors.visible_entries(actor, notice)
    return {
        **notice_item(notice),
        # The notice's totals (as in the list); the entries are the caller's part.
        "entry_count": notice.entries.filter(withdrawn=False).count(),
        "objection_count": notice.objections.count(),
        "body": notice.body,
        "contact": notice.contact,
        "entries": [
            {
                "id": e.pk,
                "case_id": e.case_id,
                "case_no": e.case.case_no,
                "case_state_label": state_label(e.case.kind, e.case.state),
                "published": e.published,
                "withdrawn": e.withdrawn,
                "withdrawn_reason": e.withdrawn_reason,
            }
            for e in entries
        ],
        "objections": [objection_out(o) for o in selectors.notice_objections(actor, notice)],
    }


@router.get(
    "/cases/notices",
    response=list[NoticeOut],
    summary="公示公告列表",
    operation_id="fupin_workflows_api_notices_list_notices",
)
@paginate(KeysetPagination)
def list_notices(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    running: bool = Query(False, description="只看公示期内的"),
) -> Any:
    actor = actor_of(request)
    no_nul(region)
    if region:
        actor.require(Perm.CASE_VIEW, region)
    elif not actor.region_codes(Perm.CASE_VIEW):
        raise PermissionDenied()
    qs = selectors.notice_list(actor, region=region or "", running_only=running)
    return KeysetList.rows(qs, selectors.NOTICE_KEYS, notice_item)


@router.get(
    "/cases/notices/{notice_id}",
    response=NoticeDetailOut,
    summary="公示详情",
    operation_id="fupin_workflows_api_notices_get_notice",
)
def get_notice(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    return notice_detail(actor, selectors.access_notice(actor, notice_id))


@router.post(
    "/cases/notices/{notice_id}/objections",
    response={201: ObjectionOut},
    summary="登记公示异议（办件随即退回核实）",
    operation_id="fupin_workflows_api_notices_submit_objection",
)
def submit_objection(request: HttpRequest, notice_id: int, payload: ObjectionIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    objection = notices.objection_submit(
        notice_id=notice_id, data=notices.ObjectionInput(**payload.dict()), actor=actor
    )
    return Status(201, objection_out(objection))


@router.post(
    "/cases/objections/{objection_id}/resolve",
    response=ObjectionOut,
    summary="登记异议核实结论",
    operation_id="fupin_workflows_api_notices_resolve_objection",
)
def resolve_objection(request: HttpRequest, objection_id: int, payload: ResolveIn) -> Any:
    actor = actor_of(request)
    no_nul(payload.dict())
    objection = notices.objection_resolve(
        actor=actor,
        objection_id=objection_id,
        upheld=payload.upheld,
        resolution=payload.resolution,
    )
    return objection_out(objection)
