"""Scoped reads of the yearly snapshots (年度数据): statistics, the list and one household.

Everything reads registry_householdsnapshot only, so a year's figures never change after it
was frozen, whatever happens to the live registry. The statistics read the rollups the freeze
wrote in its own transaction (registry.figures, core.stats), never the snapshot rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from fupin.core import codelists, params, stats
from fupin.core.access import ALL_REGIONS, Actor, Perm
from fupin.core.errors import NotFound
from fupin.regions.models import Region
from fupin.registry import codes, figures, privacy
from fupin.registry.models import HouseholdSnapshot

PAGE_SIZE = 50
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
CHILD_LABEL = {2: "省", 4: "市", 6: "县", 9: "乡镇", 12: "村"}
INCOME_BANDS = figures.BANDS


def default_region(actor: Actor) -> str:
    codes_ = actor.region_codes(Perm.HOUSEHOLD_VIEW)
    if not codes_:
        raise NotFound()
    return codes_[0]


def access_region(actor: Actor, code: str | None) -> tuple[str, str]:
    """(code, name) of a region the actor may view households of; 404 otherwise."""
    code = (code or "").strip()
    if not code:
        code = default_region(actor)
    if code == ALL_REGIONS:
        if ALL_REGIONS not in actor.region_codes(Perm.HOUSEHOLD_VIEW):
            raise NotFound()
        return code, "全部辖区"
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise NotFound()
    region = Region.objects.filter(code=code).only("code", "name").first()
    if region is None:
        raise NotFound()
    actor.require(Perm.HOUSEHOLD_VIEW, region.code)
    return region.code, region.name


def _scoped(actor: Actor, year: int, region_code: str) -> QuerySet[HouseholdSnapshot]:
    qs = HouseholdSnapshot.objects.filter(year=year, region_code__startswith=region_code)
    if actor.can(Perm.HOUSEHOLD_VIEW, region_code):
        # The whole subtree is in scope: a second, identical prefix test would only make the
        # planner think the region twice as selective (it then scanned the year's rows
        # instead of walking the (year, household_no) index).
        return qs
    return qs.filter(actor.scope_q(Perm.HOUSEHOLD_VIEW, field="region_code"))


def frozen_years(actor: Actor, region_code: str) -> list[int]:
    """The years frozen in the region (already checked by access_region), newest first."""
    return stats.periods(figures.SNAPSHOT_STATUS.name, regions=[region_code])


@dataclass
class YearStats:
    year: int
    region_code: str
    region_name: str
    poverty_line: Decimal
    households: int = 0
    persons: int = 0
    frozen_from: Any = None
    frozen_to: Any = None
    by_status: list[dict[str, Any]] = field(default_factory=list)
    by_attribute: list[dict[str, Any]] = field(default_factory=list)
    by_cause: list[dict[str, Any]] = field(default_factory=list)
    exited_households: int = 0
    exited_persons: int = 0
    income_bands: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    child_label: str = ""

    @property
    def exists(self) -> bool:
        return self.households > 0


def _grouped(reading: stats.Reading, key: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    households = reading.by(key, "households")
    persons = reading.by(key, "persons")
    rows = [
        {
            "code": code,
            "label": labels.get(code, code),
            "households": n,
            "persons": persons.get(code, 0),
        }
        for code, n in households.items()
        if n
    ]
    return sorted(rows, key=lambda r: (-r["households"], r["code"] or ""))


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def year_stats(actor: Actor, *, year: int, region_code: str, region_name: str) -> YearStats:
    """The statistics of one frozen year for a region (already checked by access_region),
    read from the rollups the freeze wrote: a constant number of small queries."""
    line = Decimal(params.get("registry.poverty_line", region_code=region_code, year=year))
    result = YearStats(
        year=year, region_code=region_code, region_name=region_name, poverty_line=line
    )
    regions = [region_code]
    status = stats.read(
        figures.SNAPSHOT_STATUS.name, regions=regions, period=year, by=("status", "exited")
    )
    result.households = status.total("households")
    result.persons = status.total("persons")
    if not result.households:
        return result
    taken = stats.read(figures.SNAPSHOT_TAKEN.name, regions=regions, period=year, by=("taken_at",))
    instants = sorted(r["taken_at"] for r in taken.rows)
    result.frozen_from, result.frozen_to = _instant(instants[0]), _instant(instants[-1])
    result.exited_households = status.total("households", exited="true")
    result.exited_persons = status.total("persons", exited="true")
    bands = stats.read(figures.SNAPSHOT_BAND.name, regions=regions, period=year, by=("band",))
    counts = bands.by("band", "households")
    result.income_bands = [
        {"code": code, "label": label, "households": counts.get(code, 0)}
        for code, label in INCOME_BANDS
    ]
    result.by_status = _grouped(status, "status", dict(codelists.choices(codes.Status)))
    result.by_attribute = _grouped(
        stats.read(
            figures.SNAPSHOT_ATTRIBUTE.name, regions=regions, period=year, by=("attribute",)
        ),
        "attribute",
        dict(codelists.choices(codes.Attribute)),
    )
    result.by_cause = _grouped(
        stats.read(figures.SNAPSHOT_CAUSE.name, regions=regions, period=year, by=("cause",)),
        "cause",
        dict(codelists.choices(codes.Cause)),
    )
    if len(region_code) in CHILD_LENGTH:
        result.children = _children(region_code, year)
        result.child_label = CHILD_LABEL[CHILD_LENGTH[len(region_code)]]
    return result


def _children(region_code: str, year: int) -> list[dict[str, Any]]:
    reading = stats.read(
        figures.SNAPSHOT_STATUS.name,
        regions=[region_code],
        period=year,
        by=("status", "exited"),
        children=True,
    )
    rows: dict[str, dict[str, Any]] = {}
    poor = {str(s) for s in codes.POOR_STATUSES}
    for r in reading.rows:
        row = rows.setdefault(
            r["region_code"],
            {"child": r["region_code"], "households": 0, "persons": 0, "poor": 0,
             "poor_persons": 0, "exited": 0, "exited_this_year": 0},
        )  # fmt: skip
        row["households"] += r["households"]
        row["persons"] += r["persons"]
        if r["status"] in poor:
            row["poor"] += r["households"]
            row["poor_persons"] += r["persons"]
        if r["status"] == codes.Status.EXITED:
            row["exited"] += r["households"]
        if r["exited"] == "true":
            row["exited_this_year"] += r["households"]
    names = dict(Region.objects.filter(code__in=list(rows)).values_list("code", "name"))
    return [
        {**row, "name": names.get(code, code)}
        for code, row in sorted(rows.items())
        if row["households"]
    ]


def chart_data(stats: YearStats) -> dict[str, Any]:
    return {
        "names": [r["name"] for r in stats.children],
        "poor": [r["poor"] for r in stats.children],
        "exited": [r["exited"] for r in stats.children],
    }


def household_page(
    actor: Actor, *, year: int, region_code: str, cursor: str = "", status: str = ""
) -> tuple[list[HouseholdSnapshot], str]:
    """One page of the year's households by household number (keyset); (rows, next cursor)."""
    qs = _scoped(actor, year, region_code).defer("data")
    if status:
        qs = qs.filter(status=status)
    if cursor:
        qs = qs.filter(household_no__gt=cursor)
    rows = list(qs.order_by("household_no")[: PAGE_SIZE + 1])
    next_cursor = rows[PAGE_SIZE - 1].household_no if len(rows) > PAGE_SIZE else ""
    return rows[:PAGE_SIZE], next_cursor


def export_rows(actor: Actor, *, year: int, region_code: str) -> QuerySet[HouseholdSnapshot]:
    return _scoped(actor, year, region_code).order_by("household_no")


def access_snapshot(actor: Actor, *, year: int, household_id: int) -> HouseholdSnapshot:
    snapshot = HouseholdSnapshot.objects.filter(year=year, household_id=household_id).first()
    if snapshot is None:
        raise NotFound()
    actor.require(Perm.HOUSEHOLD_VIEW, snapshot.region_code)
    return snapshot


_HOUSEHOLD_FIELDS = (
    ("phone_masked", "联系电话", None),
    ("standard", "识别标准", codes.Standard),
    ("identified_year", "识别年度", None),
    ("declared_size", "家庭人口数（登记）", None),
    ("helper_name", "帮扶责任人", None),
    ("housing_grade", "住房安全等级", codes.HousingGrade),
    ("housing_rebuilt", "危房已改造", bool),
    ("water_safe", "饮水安全", bool),
    ("sanitary_toilet", "有卫生厕所", bool),
    ("is_relocated", "易地扶贫搬迁户", bool),
)
_MEMBER_CODES = {
    "relation": codes.Relation,
    "education": codes.Education,
    "schooling": codes.Schooling,
    "health": codes.Health,
    "labour": codes.Labour,
}


def _label(kind: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if kind is bool:
        return "是" if value else "否"
    if kind is not None:
        return codelists.label(kind, value)
    return str(value)


def snapshot_display(
    snapshot: HouseholdSnapshot, sight: privacy.Sight = privacy.NO_SIGHT
) -> dict[str, Any]:
    """The frozen document with Chinese labels, for the "as of year" page; members' personal
    data as `sight` allows (`registry.privacy.frozen_member`)."""
    data = snapshot.data or {}
    household = data.get("household") or {}
    members = []
    for doc in data.get("members") or []:
        m = privacy.frozen_member(sight, doc)
        row = dict(m)
        for key, kind in _MEMBER_CODES.items():
            row[f"{key}_label"] = _label(kind, m.get(key))
        if not sight.health:
            row["health_label"] = privacy.HIDDEN
        row["insured"] = bool(m.get("insured_medical"))
        members.append(row)
    return {
        "fields": [
            (label, _label(kind, household.get(key))) for key, label, kind in _HOUSEHOLD_FIELDS
        ],
        "other_causes": "、".join(
            _label(codes.Cause, c) for c in household.get("other_causes") or []
        )
        or "—",
        "members": members,
        "personal": sight.personal,
        "income": data.get("income"),
    }
