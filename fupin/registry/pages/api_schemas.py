"""Request and response schemas of the households API (`pages.api`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field
from ninja.orm import create_schema

from fupin.core.api import Schema

from .. import selectors, services
from ..models import Household, Member
from ..schemas import MemberPatchIn


class HouseholdItemOut(Schema):
    id: int
    household_no: str
    head_name: str
    phone: str
    region_code: str
    village_name: str
    attribute: str
    status: str
    declared_size: int
    main_cause: str
    exit_year: int | None = None


class HouseholdPageOut(Schema):
    items: list[HouseholdItemOut]
    next_cursor: str | None = Field(None, description="下一页：作为 after 参数传回")
    count: int
    count_label: str = Field(..., description="共约 N 户（超过 1 万显示“1万+”）")


HouseholdOutBase: Any = create_schema(
    Household,
    name="HouseholdOutBase",
    fields=["id", "region_code", "county_code", "version", *sorted(services.HOUSEHOLD_FIELDS)],
)


class HouseholdOut(HouseholdOutBase):  # type: ignore[misc,valid-type]
    other_causes: list[str]
    village_name: str
    warnings: list[str] = []


MemberOutBase: Any = create_schema(
    Member,
    name="MemberOutBase",
    fields=["id", "sex", "version", *sorted(services.MEMBER_FIELDS)],
)


class MemberOut(MemberOutBase):  # type: ignore[misc,valid-type]
    household_id: int
    id_number: str = Field(..., description="脱敏身份证号；reveal=true 时为完整号码")
    birth_date: dt.date | None = Field(None, description="无完整个人信息权限时为 null")
    age: int = Field(..., description="周岁（今日）")
    health: str | None = Field(None, description="无健康信息权限时为 null")
    disability_grade: int | None = None
    is_current: bool
    warnings: list[str] = []


class ChangeIn(Schema):
    kind: str = Field(..., max_length=12)
    occurred_on: dt.date
    reason: str = Field(..., max_length=500)
    member_id: int | None = None
    new_member: MemberPatchIn | None = None
    new_head_id: int | None = None


class ChangeOut(Schema):
    id: int
    household_id: int
    kind: str
    kind_label: str
    occurred_on: dt.date
    reason: str
    member_id: int | None = None
    member_name: str
    details: dict[str, Any]
    has_evidence: bool
    created_at: dt.datetime
    declared_size: int
    warnings: list[str] = []


class IncomeIn(Schema):
    wage: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    business: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    property_income: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    transfer_dibao: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    transfer_tekun: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    transfer_pension: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    transfer_eco: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    transfer_family_planning: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    transfer_other: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    production_costs: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    size: int | None = Field(None, ge=1, le=99, description="计算人口数，留空取在册人数")
    version: int = Field(
        ..., ge=0, description="读取时的版本；该年度尚未录入时为 0。版本已变返回 409"
    )


class IncomeOut(IncomeIn):
    household_id: int
    year: int
    transfer_total: Decimal
    net_total: Decimal
    per_capita: Decimal
    poverty_line: Decimal
    monitoring_line: Decimal
    above_poverty_line: bool
    above_monitoring_line: bool


class ListParams(Schema):
    region: str | None = Field(None, max_length=12, description="区划代码（前缀）")
    status: str | None = Field(None, max_length=10)
    attribute: str | None = Field(None, max_length=10)
    cause: str | None = Field(None, max_length=20)
    any_cause: bool = Field(False, description="致贫原因也匹配其他致贫原因")
    identified_year: int | None = Field(None, ge=1, le=9999)
    exit_year: int | None = Field(None, ge=1, le=9999)
    rule: str | None = Field(None, max_length=10, description="有该规则疑点的户")
    q: str | None = Field(None, max_length=50, description="身份证号、户编号或姓名前缀")
    after: str | None = Field(None, max_length=80, description="上一页返回的 next_cursor")
    limit: int = Field(50, ge=1, le=selectors.MAX_PAGE_SIZE)


class RevealParams(Schema):
    reveal: bool = Field(False, description="返回完整信息（须有完整个人信息权限，记入审计日志）")
    reason: str = Field("", max_length=200, description="查看理由，reveal=true 时必填")
