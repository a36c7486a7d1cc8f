"""Yearly snapshots API: a year's statistics and its households (keyset pages), scoped."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router

from fupin.core.access import actor_of
from fupin.core.api import Schema
from fupin.core.errors import NotFound

from . import selectors, services

router = Router(tags=["建档立卡"])


def _check_year(year: int) -> None:
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise NotFound()


class Group(Schema):
    code: str
    label: str
    households: int
    persons: int


class Band(Schema):
    code: str
    label: str
    households: int


class ChildRow(Schema):
    code: str
    name: str
    households: int
    persons: int
    poor: int
    exited: int
    exited_this_year: int


class StatsOut(Schema):
    year: int
    region_code: str
    region_name: str
    frozen: bool
    frozen_at: datetime | None
    poverty_line: Decimal
    households: int
    persons: int
    exited_households: int
    exited_persons: int
    by_status: list[Group]
    by_attribute: list[Group]
    by_cause: list[Group]
    income_bands: list[Band]
    children: list[ChildRow]


class HouseholdRow(Schema):
    household_id: int
    household_no: str
    region_code: str
    head_name: str
    status: str
    attribute: str
    main_cause: str
    exit_year: int | None
    size: int
    per_capita: Decimal | None


class HouseholdPage(Schema):
    year: int
    items: list[HouseholdRow]
    next_cursor: str


@router.get("/registry/snapshots/{year}/stats", response=StatsOut, summary="年度数据统计")
def snapshot_stats(request: HttpRequest, year: int, region: str = "") -> StatsOut:
    actor = actor_of(request)
    _check_year(year)
    code, name = selectors.access_region(actor, region)
    s = selectors.year_stats(actor, year=year, region_code=code, region_name=name)
    return StatsOut(
        year=year,
        region_code=code,
        region_name=name,
        frozen=s.exists,
        frozen_at=s.frozen_to,
        poverty_line=s.poverty_line,
        households=s.households,
        persons=s.persons,
        exited_households=s.exited_households,
        exited_persons=s.exited_persons,
        by_status=[Group(**g) for g in s.by_status],
        by_attribute=[Group(**g) for g in s.by_attribute],
        by_cause=[Group(**g) for g in s.by_cause],
        income_bands=[Band(**b) for b in s.income_bands],
        children=[
            ChildRow(
                code=r["child"],
                name=r["name"],
                households=r["households"],
                persons=r["persons"] or 0,
                poor=r["poor"],
                exited=r["exited"],
                exited_this_year=r["exited_this_year"],
            )
            for r in s.children
        ],
    )


@router.get(
    "/registry/snapshots/{year}/households", response=HouseholdPage, summary="年度数据户名单"
)
def snapshot_households(
    request: HttpRequest, year: int, region: str = "", cursor: str = "", status: str = ""
) -> HouseholdPage:
    actor = actor_of(request)
    _check_year(year)
    code, _ = selectors.access_region(actor, region)
    rows, next_cursor = selectors.household_page(
        actor, year=year, region_code=code, cursor=cursor[:30], status=status[:10]
    )
    return HouseholdPage(
        year=year,
        items=[
            HouseholdRow(
                household_id=r.household_id,
                household_no=r.household_no,
                region_code=r.region_code,
                head_name=r.head_name,
                status=r.status,
                attribute=r.attribute,
                main_cause=r.main_cause,
                exit_year=r.exit_year,
                size=r.size,
                per_capita=r.per_capita,
            )
            for r in rows
        ],
        next_cursor=next_cursor,
    )
