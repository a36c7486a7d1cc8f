"""The registry's input schemas: a household's and a member's fields as the API and other
domains' APIs (identification with a new household) take them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field
from ninja.orm import create_schema

from . import services
from .models import Household, Member

_HOUSEHOLD_IN = sorted(services.HOUSEHOLD_FIELDS - {"other_causes", "status", "exit_year"})
_MEMBER_IN = sorted(services.MEMBER_FIELDS - {"joined_on", "left_on", "left_reason"})


HouseholdFieldsBase: Any = create_schema(
    Household, name="HouseholdFieldsBase", fields=_HOUSEHOLD_IN, optional_fields=_HOUSEHOLD_IN
)
MemberFieldsBase: Any = create_schema(
    Member, name="MemberFieldsBase", fields=_MEMBER_IN, optional_fields=_MEMBER_IN
)


class HouseholdFieldsIn(HouseholdFieldsBase):  # type: ignore[misc,valid-type]
    other_causes: list[str] | None = None


class MemberIn(MemberFieldsBase):  # type: ignore[misc,valid-type]
    id_number: str = Field(..., max_length=18)
    declared_sex: str | None = Field(None, max_length=1)
    declared_birth_date: dt.date | None = None


class MemberPatchIn(MemberFieldsBase):  # type: ignore[misc,valid-type]
    id_number: str | None = Field(None, max_length=18)


class MemberUpdateIn(MemberPatchIn):
    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=200)


class HouseholdCreateIn(HouseholdFieldsIn):
    village_code: str = Field(..., max_length=12)
    members: list[MemberIn] = Field(..., min_length=1, max_length=30)


class HouseholdUpdateIn(HouseholdFieldsIn):
    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=200)
