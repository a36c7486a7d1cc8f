"""Scoped reads of the yearly snapshots (年度数据): statistics, the list and one household.

Everything reads registry_householdsnapshot only, so a year's figures never change after it
was frozen, whatever happens to the live registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from fupin.core import codelists, params
from fupin.core.access import ALL_REGIONS, Actor, Perm
from fupin.core.errors import NotFound
from fupin.regions.models import Region
from fupin.registry import codes, privacy
from fupin.registry.models import HouseholdSnapshot

PAGE_SIZE = 50
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
INCOME_BANDS = (
    ("none", "无收入数据"),
    ("below", "低于贫困标准"),
    ("to_150", "标准的 1–1.5 倍"),
    ("to_200", "标准的 1.5–2 倍"),
    ("above_200", "标准的 2 倍以上"),
)


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
    return HouseholdSnapshot.objects.filter(
        actor.scope_q(Perm.HOUSEHOLD_VIEW, field="region_code"),
        year=year,
        region_code__startswith=region_code,
    )


def frozen_years(actor: Actor, region_code: str) -> list[int]:
    rows = (
        HouseholdSnapshot.objects.filter(
            actor.scope_q(Perm.HOUSEHOLD_VIEW, field="region_code"),
            region_code__startswith=region_code,
        )
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return list(rows)


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


def _grouped(
    qs: QuerySet[HouseholdSnapshot], key: str, labels: dict[str, str]
) -> list[dict[str, Any]]:
    rows = (
        qs.values(key).annotate(households=Count("id"), persons=Sum("size")).order_by("-households")
    )
    return [
        {
            "code": r[key],
            "label": labels.get(r[key], r[key]),
            "households": r["households"],
            "persons": r["persons"] or 0,
        }
        for r in rows
    ]


def year_stats(actor: Actor, *, year: int, region_code: str, region_name: str) -> YearStats:
    """The statistics of one frozen year for a region (already checked by access_region)."""
    qs = _scoped(actor, year, region_code)
    line = Decimal(params.get("registry.poverty_line", region_code=region_code, year=year))
    stats = YearStats(
        year=year, region_code=region_code, region_name=region_name, poverty_line=line
    )
    totals = qs.aggregate(
        households=Count("id"),
        persons=Sum("size"),
        frozen_from=Min("taken_at"),
        frozen_to=Max("taken_at"),
        exited_households=Count("id", filter=Q(exit_year=year)),
        exited_persons=Sum("size", filter=Q(exit_year=year)),
        none=Count("id", filter=Q(per_capita__isnull=True)),
        below=Count("id", filter=Q(per_capita__lt=line)),
        to_150=Count("id", filter=Q(per_capita__gte=line, per_capita__lt=line * Decimal("1.5"))),
        to_200=Count(
            "id",
            filter=Q(per_capita__gte=line * Decimal("1.5"), per_capita__lt=line * 2),
        ),
        above_200=Count("id", filter=Q(per_capita__gte=line * 2)),
    )
    stats.households = totals["households"]
    stats.persons = totals["persons"] or 0
    if not stats.households:
        return stats
    stats.frozen_from, stats.frozen_to = totals["frozen_from"], totals["frozen_to"]
    stats.exited_households = totals["exited_households"]
    stats.exited_persons = totals["exited_persons"] or 0
    stats.income_bands = [
        {"code": code, "label": label, "households": totals[code]} for code, label in INCOME_BANDS
    ]
    stats.by_status = _grouped(qs, "status", dict(codelists.choices(codes.Status)))
    stats.by_attribute = _grouped(qs, "attribute", dict(codelists.choices(codes.Attribute)))
    stats.by_cause = _grouped(qs, "main_cause", dict(codelists.choices(codes.Cause)))
    if len(region_code) in CHILD_LENGTH:
        length = CHILD_LENGTH[len(region_code)]
        stats.child_label = {2: "省", 4: "市", 6: "县", 9: "乡镇", 12: "村"}[length]
        from django.db.models.functions import Left

        grouped = (
            qs.annotate(child=Left("region_code", length))
            .values("child")
            .annotate(
                households=Count("id"),
                persons=Sum("size"),
                poor=Count("id", filter=Q(status__in=codes.POOR_STATUSES)),
                poor_persons=Sum("size", filter=Q(status__in=codes.POOR_STATUSES)),
                exited=Count("id", filter=Q(status=codes.Status.EXITED)),
                exited_this_year=Count("id", filter=Q(exit_year=year)),
            )
            .order_by("child")
        )
        rows: list[dict[str, Any]] = [dict(r) for r in grouped]
        names = dict(
            Region.objects.filter(code__in=[r["child"] for r in rows]).values_list("code", "name")
        )
        stats.children = [
            {**r, "name": names.get(r["child"], r["child"]), "poor_persons": r["poor_persons"] or 0}
            for r in rows
        ]
    return stats


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
