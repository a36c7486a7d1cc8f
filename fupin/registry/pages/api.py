"""Households API: list (filters, keyset cursor), create with members, read/update with an
optimistic lock (409), members, member changes and yearly incomes. Scoped like the pages.

Personal data as `privacy` says: ID numbers, phones and bank accounts masked for every caller;
a holder of PERSONAL_DATA_VIEW gets them in full on the two detail reads with `reveal=true`
and a `reason` (each reveal audited; 403 without the permission, 422 without a reason).
Without PERSONAL_DATA_VIEW `birth_date` is null (`age` is always given); without HEALTH_VIEW
`health` and `disability_grade` are null."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from fupin.core import masking
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.api import no_nul
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.masking import is_personal_number, mask_phone

from .. import codes, privacy, selectors, services
from ..models import Household, Income, Member, MemberChange
from ..schemas import HouseholdCreateIn, HouseholdUpdateIn, MemberIn, MemberUpdateIn
from .api_schemas import (
    ChangeIn,
    ChangeOut,
    HouseholdOut,
    HouseholdPageOut,
    IncomeIn,
    IncomeOut,
    ListParams,
    MemberOut,
    RevealParams,
)

router = Router(tags=["建档立卡"])

SEARCH_BY_POST = (
    "为保护个人信息，按身份证号或电话号码查询请用 POST /api/v1/registry/households/search，"
    "把查询内容放在请求体中"
)


# --- presenters ------------------------------------------------------------------------------


def _household(
    actor: Actor,
    h: Household,
    warnings: list[Any] | None = None,
    revealed: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = {f: getattr(h, f) for f in services.HOUSEHOLD_FIELDS}
    data.update(
        id=h.pk,
        region_code=h.region_code,
        county_code=h.county_code,
        version=h.version,
        village_name=h.village.name,
        **privacy.masked_contact(h),
        warnings=[f"{i.code} {i.message}" for i in warnings or []],
    )
    data.update(revealed or {})
    return data


def _member(
    actor: Actor,
    m: Member,
    warnings: list[Any] | None = None,
    *,
    sight: privacy.Sight | None = None,
    id_number: str = "",
) -> dict[str, Any]:
    data = {f: getattr(m, f) for f in services.MEMBER_FIELDS}
    data.update(
        privacy.member_facts(sight or privacy.Sight.of(actor, m.household.region_code), m),
        id=m.pk,
        household_id=m.household_id,
        sex=m.sex,
        version=m.version,
        id_number=id_number or m.id_masked,
        is_current=m.is_current,
        warnings=[f"{i.code} {i.message}" for i in warnings or []],
    )
    return data


def _change(c: MemberChange, size: int, warnings: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": c.pk,
        "household_id": c.household_id,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "occurred_on": c.occurred_on,
        "reason": c.reason,
        "member_id": c.member_id,
        "member_name": c.member.name if c.member else "",
        "details": c.details,
        "has_evidence": bool(c.evidence),
        "created_at": c.created_at,
        "declared_size": size,
        "warnings": [f"{i.code} {i.message}" for i in warnings or []],
    }


def _income(income: Income, row: selectors.IncomeRow) -> dict[str, Any]:
    data = {f: getattr(income, f) for f in codes.INCOME_FIELDS}
    data.update(
        household_id=income.household_id,
        year=income.year,
        size=income.size,
        version=income.version,
        transfer_total=income.transfer_total,
        net_total=income.net_total,
        per_capita=income.per_capita,
        poverty_line=row.poverty_line,
        monitoring_line=row.monitoring_line,
        above_poverty_line=row.above_poverty,
        above_monitoring_line=row.above_monitoring,
    )
    return data


# --- households ------------------------------------------------------------------------------


@router.get("/registry/households", response=HouseholdPageOut, summary="贫困户列表（游标翻页）")
def list_households(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """按身份证号或电话号码查询请用 POST /registry/households/search（查询内容不进网址和日志）。"""
    if is_personal_number(params.q):
        raise ValidationFailed(SEARCH_BY_POST, errors={"q": [SEARCH_BY_POST]})
    return _household_page(request, params)


@router.post(
    "/registry/households/search", response=HouseholdPageOut, summary="查询贫困户（条件在请求体中）"
)
def search_households(request: HttpRequest, params: ListParams) -> dict[str, Any]:
    """与列表相同的条件与游标翻页；身份证号、电话号码等个人信息放在请求体中提交。"""
    return _household_page(request, params)


def _household_page(request: HttpRequest, p: ListParams) -> dict[str, Any]:
    actor = actor_of(request)
    if not actor.region_codes(Perm.HOUSEHOLD_VIEW):
        raise PermissionDenied()
    no_nul(p.dict())
    filters = selectors.HouseholdFilters(
        region=p.region or "",
        status=p.status or "",
        attribute=p.attribute or "",
        cause=p.cause or "",
        any_cause=p.any_cause,
        identified_year=p.identified_year,
        exit_year=p.exit_year,
        rule=p.rule or "",
        q=p.q or "",
    )
    page = selectors.household_list(actor, filters=filters, after=p.after, limit=p.limit)
    return {
        "items": [
            {
                "id": h.pk,
                "household_no": h.household_no,
                "head_name": h.head_name,
                "phone": mask_phone(h.phone),
                "region_code": h.region_code,
                "village_name": h.village.name,
                "attribute": h.attribute,
                "status": h.status,
                "declared_size": h.declared_size,
                "main_cause": h.main_cause,
                "exit_year": h.exit_year,
            }
            for h in page.items
        ],
        "next_cursor": page.next_cursor,
        "count": page.count,
        "count_label": page.count_label,
    }


@router.post("/registry/households", response={201: HouseholdOut}, summary="登记贫困户及成员")
def create_household(request: HttpRequest, payload: HouseholdCreateIn) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    body = payload.dict(exclude_unset=True)
    no_nul(body)
    village_code = body.pop("village_code")
    members = body.pop("members")
    body.setdefault("declared_size", 0)
    body.setdefault("head_name", "")
    result = services.household_create(
        actor=actor,
        village_code=village_code,
        data={k: v for k, v in body.items() if v is not None},
        members=[{k: v for k, v in m.items() if v is not None} for m in members],
    )
    return Status(201, _household(actor, result.household, result.warnings))


def _reveal_reason(actor: Actor, region_code: str, params: RevealParams) -> str:
    """'' when no reveal is asked; else the reason (403 without the right, 422 without a reason)."""
    if not params.reveal:
        return ""
    no_nul(params.dict())
    privacy.require_reveal(actor, region_code)
    return masking.reveal_reason("", params.reason)


@router.get("/registry/households/{household_id}", response=HouseholdOut, summary="贫困户详情")
def get_household(
    request: HttpRequest, household_id: int, params: Query[RevealParams]
) -> dict[str, Any]:
    actor = actor_of(request)
    household = selectors.access_household(actor, household_id)
    reason = _reveal_reason(actor, household.region_code, params)
    revealed = (
        privacy.household_contact_reveal(
            actor=actor, household=household, fields=list(privacy.HOUSEHOLD_SECRETS), reason=reason
        )
        if reason
        else None
    )
    return _household(actor, household, revealed=revealed)


@router.put(
    "/registry/households/{household_id}",
    response=HouseholdOut,
    summary="修改贫困户（version 不符返回 409）",
)
def put_household(
    request: HttpRequest, household_id: int, payload: HouseholdUpdateIn
) -> dict[str, Any]:
    actor = actor_of(request)
    body = payload.dict(exclude_unset=True)
    no_nul(body)
    version = body.pop("version")
    reason = body.pop("reason", "")
    result = services.household_update(
        actor=actor,
        pk=household_id,
        version=version,
        data={k: v for k, v in body.items() if v is not None},
        reason=reason,
    )
    return _household(actor, result.household, result.warnings)


# --- members ---------------------------------------------------------------------------------


@router.get(
    "/registry/households/{household_id}/members",
    response=list[MemberOut],
    summary="家庭成员（含已离户成员）",
)
def list_members(
    request: HttpRequest, household_id: int, params: Query[RevealParams]
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    household, members = selectors.household_members(actor, household_id)
    reason = _reveal_reason(actor, household.region_code, params)
    sight = privacy.Sight.of(actor, household.region_code)
    with transaction.atomic():  # every reveal recorded, or none shown
        return [
            _member(
                actor,
                m,
                sight=sight,
                id_number=privacy.member_id_reveal(actor=actor, member=m, reason=reason)
                if reason
                else "",
            )
            for m in members
        ]


@router.post(
    "/registry/households/{household_id}/members",
    response={201: MemberOut},
    summary="补录家庭成员",
)
def add_member(
    request: HttpRequest, household_id: int, payload: MemberIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    body = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    no_nul(body)
    member, warnings = services.member_add(actor=actor, household_id=household_id, data=body)
    return Status(201, _member(actor, member, warnings))


@router.put(
    "/registry/members/{member_id}",
    response=MemberOut,
    summary="修改家庭成员（version 不符返回 409）",
)
def put_member(request: HttpRequest, member_id: int, payload: MemberUpdateIn) -> dict[str, Any]:
    actor = actor_of(request)
    body = payload.dict(exclude_unset=True)
    no_nul(body)
    version = body.pop("version")
    reason = body.pop("reason", "")
    member, warnings = services.member_update(
        actor=actor,
        member_id=member_id,
        version=version,
        data={k: v for k, v in body.items() if v is not None},
        reason=reason,
    )
    return _member(actor, member, warnings)


# --- member changes --------------------------------------------------------------------------


@router.get(
    "/registry/households/{household_id}/changes",
    response=list[ChangeOut],
    summary="成员变更记录",
)
def list_changes(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    household, changes = selectors.household_changes(actor, household_id)
    return [_change(c, household.declared_size) for c in changes]


@router.post(
    "/registry/households/{household_id}/changes",
    response={201: ChangeOut},
    summary="登记成员变更（出生、死亡、婚入婚出、迁入迁出、信息更正）",
)
def create_change(
    request: HttpRequest, household_id: int, payload: ChangeIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    body = payload.dict(exclude_unset=True)
    no_nul(body)
    new_member = body.get("new_member")
    change, warnings = services.member_change(
        actor=actor,
        household_id=household_id,
        kind=payload.kind,
        occurred_on=payload.occurred_on,
        reason=payload.reason,
        member_id=payload.member_id,
        new_member={k: v for k, v in new_member.items() if v is not None} if new_member else None,
        new_head_id=payload.new_head_id,
    )
    return Status(201, _change(change, change.household.declared_size, warnings))


# --- incomes ---------------------------------------------------------------------------------


@router.put(
    "/registry/households/{household_id}/incomes/{year}",
    response=IncomeOut,
    summary="录入或修改年度收入（version 不符返回 409）",
)
def put_income(
    request: HttpRequest,
    household_id: int,
    payload: IncomeIn,
    year: int = Path(..., ge=2000, le=2100),
) -> dict[str, Any]:
    actor = actor_of(request)
    body = payload.dict()
    size = body.pop("size")
    version = body.pop("version")
    income = services.income_save(
        actor=actor, household_id=household_id, year=year, version=version, amounts=body, size=size
    )
    poverty, monitoring = services.line_lookup(income.household.region_code)
    row = selectors.IncomeRow(
        income=income, poverty_line=poverty(year), monitoring_line=monitoring(year)
    )
    return _income(income, row)
