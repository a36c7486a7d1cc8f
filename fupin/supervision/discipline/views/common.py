"""What the discipline pages share: the list sizes, the four kinds, the display tables (cells
with optional links), the scope a page looks at, and the links to other modules' pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.errors import ValidationFailed
from fupin.regions.models import Region
from fupin.workflows.engine import flow_of
from fupin.workflows.models import Case

LIMIT = 200  # rows per list on the drill-down page
PREVIEW = 5  # rows per list on the overview
KINDS = {
    "alerts": ("预警处置情况", "预警是否按期督办、整改、销号，逾期升级与“条件消除”销号是否有据"),
    "clues": ("问题线索核实情况", "群众对公示的异议、农户自主申报是否及时核实"),
    "duties": ("部门监管履职情况", "各责任单位督办、整改是否按期，督查计划是否落实"),
    "cadres": ("干部作风纪律情况", "未达标放行的脱贫退出、问责记录"),
}


@dataclass
class Cell:
    text: str
    url: str = ""
    tone: str = ""  # a Tabler colour for a badge ("red", "orange", …)


@dataclass
class Table:
    key: str
    title: str
    hint: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: int = 0
    mark: str = ""  # "overdue" (red), "unhandled" (orange) or "" for a record list


@dataclass
class Figure:
    label: str
    value: int | str
    tone: str = ""


@dataclass
class KindView:
    key: str
    title: str
    description: str
    figures: list[Figure]
    tables: list[Table]


@dataclass
class Scope:
    actor: Actor
    code: str
    name: str
    today: dt.date
    now: dt.datetime
    unhandled_days: int
    verify_days: int

    def q(self, field_name: str = "region_code") -> Q:
        return self.actor.scope_q(Perm.SUPERVISE, field_name) & Q(
            **{f"{field_name}__startswith": self.code}
        )

    def days_ago(self, days: int) -> dt.datetime:
        return self.now - dt.timedelta(days=days)


# --- links (other modules' pages; a page not shipped yet falls back to its path) ----------------


def _url(name: str, pk: int, fallback: str) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback.format(pk)


def alert_url(pk: int) -> str:
    return _url("supervision:alert_detail", pk, "/supervision/alerts/{}/")


def case_url(pk: int) -> str:
    return _url("workflows:case_detail", pk, "/cases/{}/")


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _state(case: Case) -> str:
    try:
        return str(flow_of(case.kind).states.get(case.state, case.state))
    except ValidationFailed:
        return case.state


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
