"""Traffic lights (亮灯预警) per unit, indicator and quarter: the board, the units waiting for
a reminder interview (提醒谈话), one target with its interviews, entering targets and actual
values (the lights are recomputed), recording an interview. Built on
`fupin.supervision.lights.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from fupin.core.access import Perm
from fupin.core.api import LazyPage, Pagination, Schema, actor_of, no_nul
from fupin.supervision.common.api import TAGS, check_code, require_region
from fupin.supervision.lights import services as lights
from fupin.supervision.lights.models import Indicator, Light, QuarterTarget, ReminderInterview

router = Router(tags=TAGS)
LIGHT_LABELS = dict(Light.choices)


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    higher_is_better: bool


class TargetOut(Schema):
    id: int
    region_code: str
    region_name: str
    indicator: str
    indicator_name: str
    year: int
    quarter: int
    target: Decimal
    annual_target: Decimal | None = None
    actual: Decimal | None = None
    light: str
    light_label: str
    interviews: int
    pending_interview: bool = Field(..., description="亮黄灯且尚未提醒谈话")
    version: int


class CellOut(Schema):
    quarter: int
    target: TargetOut | None = None


class BoardRowOut(Schema):
    region_code: str
    region_name: str
    cells: list[CellOut]


class IndicatorBoardOut(Schema):
    indicator: IndicatorOut
    counts: dict[str, int]
    pending: int
    rows: list[BoardRowOut]


class BoardOut(Schema):
    year: int
    totals: dict[str, int] = Field(..., description="green / yellow / red 的个数")
    pending: int = Field(..., description="待提醒谈话的个数")
    indicators: list[IndicatorOut]
    boards: list[IndicatorBoardOut]


class InterviewOut(Schema):
    id: int
    held_on: dt.date
    interviewer: str
    interviewee: str
    notes: str
    created_at: dt.datetime


class TargetDetailOut(TargetOut):
    interview_list: list[InterviewOut]


class TargetIn(Schema):
    region_code: str = Field(..., max_length=12, description="单位（区划）")
    indicator: str = Field(..., max_length=40, description="指标代码")
    year: int = Field(..., ge=lights.MIN_YEAR, le=lights.MAX_YEAR)
    quarter: int = Field(..., ge=1, le=4)
    target: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    annual_target: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    actual: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    version: int | None = Field(None, ge=1, description="修改已有目标时回传；不符返回 409")


class InterviewIn(Schema):
    held_on: dt.date
    interviewer: str = Field(..., max_length=100)
    interviewee: str = Field(..., max_length=100)
    notes: str = Field(..., max_length=5000)


def indicator_out(indicator: Indicator) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "higher_is_better": indicator.higher_is_better,
    }


def target_out(row: QuarterTarget, interviews: int) -> dict[str, Any]:
    return {
        "id": row.pk,
        "region_code": row.region_code,
        "region_name": row.region.name,
        "indicator": row.indicator_id,
        "indicator_name": row.indicator.name,
        "year": row.year,
        "quarter": row.quarter,
        "target": row.target,
        "annual_target": row.annual_target,
        "actual": row.actual,
        "light": row.light,
        "light_label": LIGHT_LABELS.get(row.light, "未亮灯"),
        "interviews": interviews,
        "pending_interview": lights.needs_interview(row, interviews),
        "version": row.version,
    }


def interview_out(item: ReminderInterview) -> dict[str, Any]:
    return {
        "id": item.pk,
        "held_on": item.held_on,
        "interviewer": item.interviewer,
        "interviewee": item.interviewee,
        "notes": item.notes,
        "created_at": item.created_at,
    }


def target_detail(actor: Any, target_id: int) -> dict[str, Any]:
    row = lights.access_target(actor, target_id)
    interviews = list(lights.interviews_of(row))
    return {
        **target_out(row, len(interviews)),
        "interview_list": [interview_out(i) for i in interviews],
    }


@router.get(
    "/lights",
    response=BoardOut,
    summary="亮灯预警（单位 × 季度，按指标）",
    operation_id="fupin_supervision_api_lights_board",
)
def board(
    request: HttpRequest,
    year: int | None = Query(None, ge=lights.MIN_YEAR, le=lights.MAX_YEAR, description="年度"),
    indicator: str | None = Query(None, max_length=40, description="指标代码"),
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul([indicator, region])
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    result = lights.light_board(
        actor,
        year=year or timezone.localdate().year,
        indicator_code=indicator or "",
        region_prefix=region or "",
    )
    return {
        "year": result.year,
        "totals": result.totals,
        "pending": result.pending,
        "indicators": [indicator_out(i) for i in lights.indicators()],
        "boards": [
            {
                "indicator": indicator_out(b.indicator),
                "counts": b.counts,
                "pending": b.pending,
                "rows": [
                    {
                        "region_code": r.region.code,
                        "region_name": r.region.name,
                        "cells": [
                            {
                                "quarter": q,
                                "target": target_out(c.row, c.interviews) if c.row else None,
                            }
                            for q, c in enumerate(r.cells, start=1)
                        ],
                    }
                    for r in b.rows
                ],
            }
            for b in result.boards
        ],
    }


@router.get(
    "/lights/pending-interviews",
    response=list[TargetOut],
    summary="亮黄灯待提醒谈话的单位",
    operation_id="fupin_supervision_api_lights_pending",
)
@paginate(Pagination)
def pending(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
) -> Any:
    actor = actor_of(request)
    no_nul(region)
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    qs = lights.pending_interviews(actor)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return LazyPage(qs, lambda rows: [target_out(r, 0) for r in rows])


@router.post(
    "/lights/targets",
    response={200: TargetDetailOut},
    summary="录入季度目标与完成值（重新计算亮灯；version 不符返回 409）",
    operation_id="fupin_supervision_api_lights_save_target",
)
def save_target(request: HttpRequest, payload: TargetIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    row = lights.target_save(
        actor=actor,
        region_code=payload.region_code,
        indicator_code=payload.indicator,
        year=payload.year,
        quarter=payload.quarter,
        target=payload.target,
        annual_target=payload.annual_target,
        actual=payload.actual,
        version=payload.version,
    )
    return Status(200, target_detail(actor, row.pk))


@router.get(
    "/lights/targets/{target_id}",
    response=TargetDetailOut,
    summary="季度目标与提醒谈话",
    operation_id="fupin_supervision_api_lights_get_target",
)
def get_target(request: HttpRequest, target_id: int) -> dict[str, Any]:
    return target_detail(actor_of(request), target_id)


@router.post(
    "/lights/targets/{target_id}/interviews",
    response={201: TargetDetailOut},
    summary="登记提醒谈话（亮黄灯或红灯后）",
    operation_id="fupin_supervision_api_lights_record_interview",
)
def record_interview(request: HttpRequest, target_id: int, payload: InterviewIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    lights.interview_record(
        actor=actor,
        target_id=target_id,
        held_on=payload.held_on,
        interviewer=payload.interviewer,
        interviewee=payload.interviewee,
        notes=payload.notes,
    )
    return Status(201, target_detail(actor, target_id))
