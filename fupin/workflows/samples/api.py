"""Verification samples (第三方评估抽样), findings, 群众认可度 surveys and a county's exit
rates. Reads are scoped to the caller's jurisdiction; writes need a county-side office."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from fupin.core.access import Actor, Perm
from fupin.core.api import LazyPage, Pagination, Schema, actor_of, no_nul
from fupin.core.errors import NotFound, PermissionDenied
from fupin.regions.models import Level, Region
from fupin.workflows.cases import criteria, services
from fupin.workflows.common.schemas import TAGS, CriterionOut
from fupin.workflows.samples.models import Sample, SampleItem, Survey

router = Router(tags=TAGS)


class SampleOut(Schema):
    id: int
    region_code: str
    region_name: str
    purpose: str
    purpose_label: str
    seed: int
    size: int
    population: int
    note: str
    checked: int
    created_at: dt.datetime


class SampleItemOut(Schema):
    id: int
    position: int
    household_id: int
    household_no: str
    head_name: str
    village_name: str
    status: str
    status_label: str
    finding: str
    finding_label: str
    note: str
    checked_at: dt.datetime | None = None
    version: int


class SampleDetailOut(SampleOut):
    items: list[SampleItemOut]


class SampleIn(Schema):
    region_code: str = Field(..., max_length=12)
    purpose: str = Field(..., max_length=10, description="exited 错退 · non_poor 漏评 · all 精准度")
    size: int = Field(..., ge=1, le=10000)
    seed: int | None = Field(None, ge=0, lt=2**63, description="随机种子（留空自动生成并记录）")
    note: str = Field("", max_length=200)


class FindingIn(Schema):
    finding: str = Field(..., max_length=12)
    note: str = Field("", max_length=300)
    version: int = Field(..., ge=1, description="读取到的 version（他人已登记时返回 409）")


class SurveyIn(Schema):
    village_code: str = Field(..., max_length=12)
    surveyed_on: dt.date
    surveyed: int = Field(..., ge=1, le=1_000_000)
    satisfied: int = Field(..., ge=0, le=1_000_000)
    surveyor: str = Field("", max_length=100)


class SurveyOut(Schema):
    id: int
    region_code: str
    region_name: str
    surveyed_on: dt.date
    surveyed: int
    satisfied: int
    surveyor: str


class CountyRatesOut(Schema):
    county_code: str
    county_name: str
    poor: int
    rural: int
    incidence: Decimal | None = None
    exited_checked: int
    wrong_exits: int
    wrong_exit_rate: Decimal | None = None
    non_poor_checked: int
    missed: int
    missed_rate: Decimal | None = None
    surveyed: int
    satisfied: int
    satisfaction: Decimal | None = None
    criteria: list[CriterionOut]


def _sample(sample: Sample) -> dict[str, Any]:
    checked = getattr(sample, "checked", None)
    if checked is None:
        checked = sample.items.exclude(finding="").count()
    return {
        "id": sample.pk,
        "region_code": sample.region_code,
        "region_name": sample.region.name,
        "purpose": sample.purpose,
        "purpose_label": sample.get_purpose_display(),
        "seed": sample.seed,
        "size": sample.size,
        "population": sample.population,
        "note": sample.note,
        "checked": checked,
        "created_at": sample.created_at,
    }


def _item(item: SampleItem) -> dict[str, Any]:
    household = item.household
    return {
        "id": item.pk,
        "position": item.position,
        "household_id": household.pk,
        "household_no": household.household_no,
        "head_name": household.head_name,
        "village_name": household.village.name,
        "status": household.status,
        "status_label": household.get_status_display(),
        "finding": item.finding,
        "finding_label": item.get_finding_display(),
        "note": item.note,
        "checked_at": item.checked_at,
        "version": item.version,
    }


def _survey(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "region_code": survey.region_code,
        "region_name": survey.region.name,
        "surveyed_on": survey.surveyed_on,
        "surveyed": survey.surveyed,
        "satisfied": survey.satisfied,
        "surveyor": survey.surveyor,
    }


def _scope(actor: Actor, region: str | None) -> None:
    if region:
        actor.require(Perm.CASE_VIEW, region)
    elif not actor.region_codes(Perm.CASE_VIEW):
        raise PermissionDenied()


def _sample_detail(actor: Actor, sample_id: int) -> dict[str, Any]:
    sample = Sample.objects.select_related("region").filter(pk=sample_id).first()
    if sample is None:
        raise NotFound()
    actor.require(Perm.CASE_VIEW, sample.region_code)
    items = sample.items.select_related("household", "household__village").order_by("position")
    return {
        **_sample(sample),
        "checked": sum(1 for i in items if i.finding),
        "items": [_item(i) for i in items],
    }


# --- samples -------------------------------------------------------------------------------------


@router.get(
    "/cases/samples",
    response=list[SampleOut],
    summary="抽样记录",
    operation_id="fupin_workflows_api_samples_list_samples",
)
@paginate(Pagination)
def list_samples(request: HttpRequest, region: str | None = Query(None, max_length=12)) -> Any:
    from django.db.models import Count, Q

    actor = actor_of(request)
    no_nul(region)
    _scope(actor, region)
    qs = Sample.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
    if region:
        qs = qs.filter(region_code__startswith=region)
    qs = (
        qs.select_related("region")
        .annotate(checked=Count("items", filter=~Q(items__finding="")))
        .order_by("-created_at", "-id")
    )
    return LazyPage.rows(qs, _sample)


@router.post(
    "/cases/samples",
    response={201: SampleDetailOut},
    summary="随机抽样（记录种子，可复现）",
    operation_id="fupin_workflows_api_samples_draw_sample",
)
def draw_sample(request: HttpRequest, payload: SampleIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    sample = services.sample_draw(actor=actor, **payload.dict())
    return Status(201, _sample_detail(actor, sample.pk))


@router.post(
    "/cases/samples/items/{item_id}",
    response=SampleItemOut,
    summary="登记抽样户核查结论",
    operation_id="fupin_workflows_api_samples_record_finding",
)
def record_finding(request: HttpRequest, item_id: int, payload: FindingIn) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    item = services.sample_finding_record(
        actor=actor,
        item_id=item_id,
        finding=payload.finding,
        note=payload.note,
        version=payload.version,
    )
    item = SampleItem.objects.select_related("household", "household__village").get(pk=item.pk)
    return _item(item)


@router.get(
    "/cases/samples/{sample_id}",
    response=SampleDetailOut,
    summary="抽样详情（样本户）",
    operation_id="fupin_workflows_api_samples_get_sample",
)
def get_sample(request: HttpRequest, sample_id: int) -> dict[str, Any]:
    return _sample_detail(actor_of(request), sample_id)


# --- surveys -------------------------------------------------------------------------------------


@router.get(
    "/cases/surveys",
    response=list[SurveyOut],
    summary="群众认可度调查记录",
    operation_id="fupin_workflows_api_samples_list_surveys",
)
@paginate(Pagination)
def list_surveys(request: HttpRequest, region: str | None = Query(None, max_length=12)) -> Any:
    actor = actor_of(request)
    no_nul(region)
    _scope(actor, region)
    qs = Survey.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
    if region:
        qs = qs.filter(region_code__startswith=region)
    return LazyPage.rows(qs.select_related("region").order_by("-surveyed_on", "-id"), _survey)


@router.post(
    "/cases/surveys",
    response={201: SurveyOut},
    summary="登记群众认可度调查",
    operation_id="fupin_workflows_api_samples_record_survey",
)
def record_survey(request: HttpRequest, payload: SurveyIn) -> Status[Any]:
    actor = actor_of(request)
    no_nul(payload.dict())
    survey = services.survey_record(actor=actor, **payload.dict())
    return Status(201, _survey(survey))


# --- county rates --------------------------------------------------------------------------------


@router.get(
    "/cases/county-rates/{county_code}",
    response=CountyRatesOut,
    summary="县摘帽指标：贫困发生率、错退率、漏评率、群众认可度",
    operation_id="fupin_workflows_api_samples_county_rates",
)
def county_rates(request: HttpRequest, county_code: str) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(county_code)
    county = Region.objects.filter(code=county_code, level=Level.COUNTY).first()
    if county is None:
        raise NotFound("县不存在")
    actor.require(Perm.CASE_VIEW, county.code)
    rates = criteria.county_rates(county.code)
    return {
        "county_code": county.code,
        "county_name": county.name,
        **rates.__dict__,
        "criteria": [c.__dict__ for c in criteria.county_exit_criteria(county.code)],
    }
