"""Accountability records (问责): the filtered list, statistics by kind, region and year, one
record with the alerts and inspection findings that led to it, registering a record. Built on
`fupin.supervision.accountability.services`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from fupin.core.access import Actor, Perm
from fupin.core.api import LazyPage, Pagination, Schema, actor_of, no_nul
from fupin.supervision.accountability import services as accountability
from fupin.supervision.accountability.models import Accountability, AccountabilityKind
from fupin.supervision.common.api import TAGS, RowId, check_code, require_region, rule_name

router = Router(tags=TAGS)


class RecordOut(Schema):
    id: int
    region_code: str
    region_name: str
    county_code: str
    kind: str
    kind_label: str
    subject_is_unit: bool
    subject_name: str
    subject_title: str
    reason: str
    decided_on: dt.date
    deciding_body: str
    alert_count: int
    finding_count: int
    created_at: dt.datetime


class LinkedAlertOut(Schema):
    id: int
    case_no: str
    rule_name: str
    subject_label: str
    is_open: bool


class LinkedFindingOut(Schema):
    id: int
    description: str
    deadline: dt.date
    alert_id: int | None = None


class RecordDetailOut(RecordOut):
    alerts: list[LinkedAlertOut]
    findings: list[LinkedFindingOut]


class CountOut(Schema):
    key: str
    label: str
    count: int


class YearCountOut(Schema):
    year: int
    count: int


class StatsOut(Schema):
    total: int
    by_kind: list[CountOut]
    by_region: list[CountOut]
    by_year: list[YearCountOut]


class RecordIn(Schema):
    region_code: str = Field(..., max_length=12, description="问责对象所属区划")
    kind: AccountabilityKind
    subject_is_unit: bool = False
    subject_name: str = Field(..., max_length=100)
    subject_title: str = Field("", max_length=100)
    reason: str = Field(..., max_length=5000)
    decided_on: dt.date
    deciding_body: str = Field(..., max_length=100)
    alert_ids: list[RowId] = Field(default_factory=list, max_length=100)
    finding_ids: list[RowId] = Field(default_factory=list, max_length=100)


def record_out(record: Accountability) -> dict[str, Any]:
    n_alerts = getattr(record, "n_alerts", None)
    n_findings = getattr(record, "n_findings", None)
    return {
        "id": record.pk,
        "region_code": record.region_code,
        "region_name": record.region.name,
        "county_code": record.county_code,
        "kind": record.kind,
        "kind_label": record.get_kind_display(),
        "subject_is_unit": record.subject_is_unit,
        "subject_name": record.subject_name,
        "subject_title": record.subject_title,
        "reason": record.reason,
        "decided_on": record.decided_on,
        "deciding_body": record.deciding_body,
        "alert_count": n_alerts if n_alerts is not None else record.alerts.count(),
        "finding_count": n_findings if n_findings is not None else record.findings.count(),
        "created_at": record.created_at,
    }


def record_detail(actor: Actor, record: Accountability) -> dict[str, Any]:
    """The record with the linked alerts and findings the reader may read (the counts are
    the record's totals)."""
    alerts = accountability.linked_alerts(actor, record)
    findings = accountability.linked_findings(actor, record)
    return {
        **record_out(record),
        "alerts": [
            {
                "id": a.pk,
                "case_no": a.case.case_no,
                "rule_name": rule_name(a.rule_code),
                "subject_label": a.subject_label,
                "is_open": a.is_open,
            }
            for a in alerts
        ],
        "findings": [
            {
                "id": f.pk,
                "description": f.description,
                "deadline": f.deadline,
                "alert_id": f.alert_id,
            }
            for f in findings
        ],
    }


def _filters(
    actor: Any, region: str | None, kind: str | None, year: int | None, subject: str | None,
    unit_only: bool | None,
) -> accountability.Filters:  # fmt: skip
    no_nul([region, kind, subject])
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    return accountability.Filters(
        region=region or "", kind=kind or "", year=year, subject=subject or "",
        unit_only=unit_only,
    )  # fmt: skip


KIND_PATTERN = "^(" + "|".join(AccountabilityKind.values) + ")$"


@router.get(
    "/accountability",
    response=list[RecordOut],
    summary="问责记录",
    operation_id="fupin_supervision_api_accountability_list_records",
)
@paginate(Pagination)
def list_records(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    kind: str | None = Query(None, pattern=KIND_PATTERN, description="问责方式"),
    year: int | None = Query(None, ge=2000, le=2100, description="决定年度"),
    subject: str | None = Query(None, max_length=50, description="问责对象（模糊）"),
    unit_only: bool | None = Query(None, description="true 只看单位，false 只看个人"),
) -> Any:
    actor = actor_of(request)
    filters = _filters(actor, region, kind, year, subject, unit_only)
    qs = accountability.record_list(actor, filters)
    return LazyPage(qs, lambda rows: [record_out(r) for r in rows])


@router.get(
    "/accountability/stats",
    response=StatsOut,
    summary="问责统计（按方式、区划、年度）",
    operation_id="fupin_supervision_api_accountability_record_stats",
)
def record_stats(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（前缀）"),
    kind: str | None = Query(None, pattern=KIND_PATTERN, description="问责方式"),
    year: int | None = Query(None, ge=2000, le=2100, description="决定年度"),
) -> dict[str, Any]:
    actor = actor_of(request)
    result = accountability.stats(actor, _filters(actor, region, kind, year, None, None))
    return {
        "total": result.total,
        "by_kind": [{"key": k, "label": label, "count": n} for k, label, n in result.by_kind],
        "by_region": [{"key": k, "label": name, "count": n} for k, name, n in result.by_region],
        "by_year": [{"year": y, "count": n} for y, n in result.by_year],
    }


@router.post(
    "/accountability",
    response={201: RecordDetailOut},
    summary="登记问责",
    operation_id="fupin_supervision_api_accountability_create_record",
)
def create_record(request: HttpRequest, payload: RecordIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    record = accountability.accountability_create(
        actor=actor,
        region_code=payload.region_code,
        kind=payload.kind,
        subject_name=payload.subject_name,
        reason=payload.reason,
        decided_on=payload.decided_on,
        deciding_body=payload.deciding_body,
        subject_is_unit=payload.subject_is_unit,
        subject_title=payload.subject_title,
        alert_ids=payload.alert_ids,
        finding_ids=payload.finding_ids,
    )
    return Status(201, record_detail(actor, accountability.access_record(actor, record.pk)))


@router.get(
    "/accountability/{record_id}",
    response=RecordDetailOut,
    summary="问责记录详情",
    operation_id="fupin_supervision_api_accountability_get_record",
)
def get_record(request: HttpRequest, record_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    return record_detail(actor, accountability.access_record(actor, record_id))
