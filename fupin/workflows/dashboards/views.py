"""Exit dashboards: household, village and county."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fupin.core.access import ALL_REGIONS, Actor, Perm, actor_of
from fupin.regions.models import Level, Region
from fupin.workflows import engine
from fupin.workflows.cases import criteria
from fupin.workflows.cases.models import Case
from fupin.workflows.common.dashboards import (
    T,
    _case_url_pattern,
    _default_county_or_below,
    _first_code,
    _region,
    _year,
)
from fupin.workflows.samples.models import Sample, Survey

EXIT_LIST_LIMIT = 500  # open exit cases whose checklist is computed on one page view
CRITERIA_LABELS = {
    "income": "收入",
    "food_clothing": "两不愁",
    "education": "义务教育",
    "medical": "基本医疗",
    "housing": "住房安全",
    "water": "饮水安全",
}
FACILITY_SHORT = {
    "hardened_road": "路",
    "power_supply": "电",
    "broadband": "网",
    "clinic": "医",
    "cultural_room": "文",
}


# --- household exit ----------------------------------------------------------------------------


@dataclass
class ExitRow:
    case: Case
    url: str
    state: str
    failures: list[criteria.Criterion]


@dataclass
class ExitOverview:
    stages: list[tuple[str, str, int]]
    open_total: int
    checked: int
    failure_counts: list[tuple[str, str, int]]
    failing: list[ExitRow]
    overrides: list[dict[str, Any]] = field(default_factory=list)


def household_exit_overview(actor: Actor, region_code: str, year: int | None) -> ExitOverview:
    flow = engine.flow_of("household_exit")
    base = Case.objects.filter(
        actor.scope_q(Perm.CASE_VIEW, "region_code"),
        kind="household_exit",
        region_code__startswith=region_code,
    )
    if year:
        base = base.filter(year=year)
    open_cases = base.filter(is_open=True)
    by_state = dict(
        open_cases.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    stages = [
        (s, label, by_state.get(s, 0)) for s, label in flow.states.items() if s not in flow.terminal
    ]
    url = _case_url_pattern()
    counts: Counter[str] = Counter()
    failing: list[ExitRow] = []
    cases = [
        c
        for c in open_cases.select_related("household", "region").order_by("id")[:EXIT_LIST_LIMIT]
        if c.household is not None
    ]
    checklists = criteria.household_exit_criteria_many(
        [criteria.ExitCase(c.household, c.year, c.data) for c in cases if c.household]
    )
    for case, checklist in zip(cases, checklists, strict=True):
        failures = criteria.failed(checklist)
        counts.update(f.code for f in failures)
        if failures:
            failing.append(
                ExitRow(
                    case=case,
                    url=url.format(case.pk),
                    state=flow.state_label(case.state),
                    failures=failures,
                )
            )
    overrides = [
        {
            "case": c,
            "url": url.format(c.pk),
            "state": flow.state_label(c.state),
            "by": (c.override_by.real_name or c.override_by.username) if c.override_by else "",
            "failures": "；".join(
                f"{f.get('label', '')}（{f.get('detail', '')}）" for f in c.override_failures or []
            ),
        }
        for c in base.exclude(override_reason="")
        .select_related("override_by", "household", "region")
        .order_by("-override_at", "-id")[:EXIT_LIST_LIMIT]
    ]
    return ExitOverview(
        stages=stages,
        open_total=sum(by_state.values()),
        checked=len(cases),
        failure_counts=[
            (code, label, counts.get(code, 0)) for code, label in CRITERIA_LABELS.items()
        ],
        failing=failing,
        overrides=overrides,
    )


@require_GET
def exit_dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    code = (request.GET.get("region") or "").strip()
    if code:
        region = _region(actor, code, (2, 4, 6, 9, 12))
        region_code, region_name = region.code, region.name
    else:
        region_code = _first_code(actor)
        region_name = (
            "全部辖区"
            if region_code == ALL_REGIONS
            else Region.objects.filter(code=region_code).values_list("name", flat=True).first()
            or region_code
        )
    year = _year(request.GET.get("year"))
    overview = household_exit_overview(actor, region_code, year)
    context = {
        "page_title": "贫困户退出",
        "region_code": region_code,
        "region_name": region_name,
        "year": year,
        "o": overview,
        "limit": EXIT_LIST_LIMIT,
        "chart": {
            "names": [label for _, label, _ in overview.failure_counts],
            "values": [n for _, _, n in overview.failure_counts],
        },
    }
    return render(request, T + "household_exit.html", context)


# --- village exit ------------------------------------------------------------------------------


@dataclass
class VillageRow:
    v: criteria.VillageIncidence
    eligible: bool
    case_url: str
    case_no: str
    case_state: str
    can_start: bool
    facilities: list[tuple[str, str, bool]]


@require_GET
def village_exit_dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    code = (request.GET.get("region") or "").strip() or _default_county_or_below(actor)
    region = _region(actor, code, (6, 9, 12))
    incidences = criteria.village_incidences(region.code)
    flow = engine.flow_of("village_exit")
    url = _case_url_pattern()
    open_cases = {
        c.region_code: c
        for c in Case.objects.filter(
            kind="village_exit", is_open=True, region_code__startswith=region.code
        ).only("id", "case_no", "state", "region_code")
    }
    may_start = (
        engine.acting_grant(actor, flow.create_roles, flow.create_level, region.code) is not None
    )
    rows = []
    for v in incidences:
        case = open_cases.get(v.code)
        eligible = v.below and v.facilities_ok
        rows.append(
            VillageRow(
                v=v,
                eligible=eligible,
                case_url=url.format(case.pk) if case else "",
                case_no=case.case_no if case else "",
                case_state=flow.state_label(case.state) if case else "",
                facilities=[
                    (FACILITY_SHORT[k], label, v.facilities[k])
                    for k, label in criteria.FACILITIES.items()
                ],
                can_start=(
                    eligible
                    and v.is_poor_village
                    and not v.exit_year
                    and case is None
                    and (
                        may_start
                        or engine.acting_grant(actor, flow.create_roles, flow.create_level, v.code)
                        is not None
                    )
                ),
            )
        )
    threshold = incidences[0].threshold if incidences else None
    townships = list(region.children.order_by("code")) if region.level == Level.COUNTY else []
    context = {
        "page_title": "贫困村退出",
        "region": region,
        "parent": region.parent if region.level > Level.COUNTY else None,
        "townships": townships,
        "rows": rows,
        "threshold": threshold,
        "facility_labels": criteria.FACILITIES,
        "summary": {
            "villages": len(rows),
            "poor_villages": sum(1 for r in rows if r.v.is_poor_village),
            "exited": sum(1 for r in rows if r.v.exit_year),
            "remaining": sum(1 for r in rows if r.v.is_poor_village and not r.v.exit_year),
            "eligible": sum(
                1 for r in rows if r.eligible and r.v.is_poor_village and not r.v.exit_year
            ),
            "no_population": sum(1 for r in rows if r.v.rural is None),
        },
        "chart": {
            "names": [r.v.name for r in rows],
            "rates": [float(r.v.rate) if r.v.rate is not None else None for r in rows],
            "threshold": float(threshold) if threshold is not None else None,
        },
    }
    return render(request, T + "village_exit.html", context)


# --- county exit -------------------------------------------------------------------------------


@require_GET
def county_exit_dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    code = (request.GET.get("county") or "").strip()
    if not code:
        code = _default_county_or_below(actor)[:6]
        if not actor.sees(code):  # a township or village user: county figures are not theirs
            return render(
                request, T + "county_exit.html", {"page_title": "贫困县摘帽", "county": None}
            )
    county = _region(actor, code, (6,))
    flow = engine.flow_of("county_exit")
    url = _case_url_pattern()
    case = Case.objects.filter(kind="county_exit", region_code=county.code).order_by("-id").first()
    samples = (
        Sample.objects.filter(county_code=county.code)
        .annotate(checked=Count("items", filter=~Q(items__finding="")))
        .order_by("-created_at")[:50]
    )
    surveys = Survey.objects.filter(county_code=county.code)
    rates = criteria.county_rates(county.code)
    context = {
        "page_title": f"贫困县摘帽 · {county.name}",
        "county": county,
        "rates": rates,
        "rows": criteria.county_exit_criteria(county.code, rates),
        "case": case,
        "case_url": url.format(case.pk) if case else "",
        "case_state": flow.state_label(case.state) if case else "",
        "samples": samples,
        "survey_count": surveys.count(),
        "surveys": surveys.select_related("region").order_by("-surveyed_on", "-id")[:10],
    }
    return render(request, T + "county_exit.html", context)
