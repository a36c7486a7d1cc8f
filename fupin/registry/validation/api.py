"""Validation API: the rule catalogue with live hit counts, and the 疑点 per region."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from fupin.core.access import actor_of
from fupin.core.api import KeysetList, KeysetPagination, Schema
from fupin.regions.models import Region
from fupin.registry.models import Doubt

from . import selectors

router = Router(tags=["建档立卡"])


class RuleOut(Schema):
    code: str
    name: str
    severity: str
    severity_label: str
    fields: list[str]
    field_labels: list[str]
    description: str
    hits: int


class DoubtOut(Schema):
    id: int
    household_id: int
    household_no: str
    head_name: str
    member_id: int | None
    member_name: str | None
    region_code: str
    rule_code: str
    rule_name: str
    severity: str
    message: str
    found_at: Any


class RegionRef(Schema):
    code: str
    name: str


class RuleCountOut(Schema):
    code: str
    name: str
    count: int


class ChildCountOut(Schema):
    code: str
    name: str
    count: int


class SummaryOut(Schema):
    region: RegionRef | None
    total: int
    by_rule: list[RuleCountOut]
    by_child: list[ChildCountOut]


def _region_ref(region: Region | None) -> dict[str, str] | None:
    return {"code": region.code, "name": region.name} if region else None


@router.get("/registry/rules", response=list[RuleOut], summary="逻辑校验规则目录（含辖区内命中数）")
def list_rules(request: HttpRequest, region: str | None = None) -> list[dict[str, Any]]:
    actor = actor_of(request)
    chosen = selectors.region_for(actor, region)
    return [
        {
            "code": item.code,
            "name": item.rule.name,
            "severity": item.rule.severity.value,
            "severity_label": item.rule.severity.label,
            "fields": list(item.rule.fields),
            "field_labels": selectors.field_labels(item.rule.fields),
            "description": item.rule.description,
            "hits": item.count,
        }
        for item in selectors.rule_catalogue(actor, chosen)
        if item.rule is not None
    ]


def _doubt_row(d: Doubt, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": d.pk,
        "household_id": d.household_id,
        "household_no": d.household.household_no,
        "head_name": d.household.head_name,
        "member_id": d.member_id,
        "member_name": d.member.name if d.member else None,
        "region_code": d.region_code,
        "rule_code": d.rule_code,
        "rule_name": names.get(d.rule_code, ""),
        "severity": d.severity,
        "message": d.message,
        "found_at": d.found_at,
    }


@router.get("/registry/doubts/summary", response=SummaryOut, summary="疑点汇总：按规则、按下级区划")
def doubts_summary(request: HttpRequest, region: str | None = None) -> dict[str, Any]:
    actor = actor_of(request)
    chosen = selectors.region_for(actor, region)
    by_rule = selectors.counts_by_rule(actor, chosen)
    return {
        "region": _region_ref(chosen),
        "total": sum(c.count for c in by_rule),
        "by_rule": [{"code": c.code, "name": c.name, "count": c.count} for c in by_rule],
        "by_child": [
            {"code": c.region.code, "name": c.region.name, "count": c.count}
            for c in selectors.counts_by_child(actor, chosen)
        ],
    }


@router.get("/registry/doubts", response=list[DoubtOut], summary="疑点清单")
@paginate(KeysetPagination)
def list_doubts(
    request: HttpRequest,
    region: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
) -> Any:
    actor = actor_of(request)
    qs = selectors.doubt_list(
        actor,
        selectors.region_for(actor, region),
        rule_code=(rule or "").strip().upper() or None,
        severity=severity or None,
    )
    names = {r.code: r.name for r in selectors.all_rules()}
    return KeysetList.rows(qs, selectors.DOUBT_KEYS, lambda d: _doubt_row(d, names))
