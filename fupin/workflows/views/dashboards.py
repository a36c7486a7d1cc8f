"""Exit dashboards (household, village, county), third-party samples and survey records.

Every page starts from the actor's jurisdiction: a region named in the query string is checked
with `actor.require` (404 outside), lists are filtered with `actor.scope_q`. Writes go through
the services (draw_sample, record_finding, record_survey), which check read-only roles (403).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.accounts.perms import Perm
from fupin.accounts.scope import ALL_REGIONS, Actor
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.regions.models import Level, Region
from fupin.registry import codes

from .. import criteria, engine, services
from ..models import Case, Sample, SampleItem, Survey

T = "workflows/dashboards/"
EXIT_LIST_LIMIT = 500  # open exit cases whose checklist is computed on one page view
ITEMS_PER_PAGE = 200  # drawn households per page of a sample
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


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def _case_url_pattern() -> str:
    """The case page URL with a `{}` for the id (the case pages are another module's)."""
    try:
        return reverse("workflows:case_detail", args=[999999999]).replace("999999999", "{}")
    except NoReverseMatch:
        return "/cases/{}/"


def _region(actor: Actor, code: str, lengths: tuple[int, ...]) -> Region:
    """A region of one of the given code lengths inside the jurisdiction; 404 otherwise."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in lengths:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require(Perm.CASE_VIEW, region.code)
    return region


def _first_code(actor: Actor) -> str:
    codes_ = actor.region_codes(Perm.CASE_VIEW)
    if not codes_:
        raise NotFound()
    return codes_[0]


def _default_county_or_below(actor: Actor) -> str:
    """The actor's first jurisdiction at county level or below: the county itself for a city
    or province grant (the first county under it), the grant's own region otherwise."""
    code = _first_code(actor)
    if len(code) >= 6:
        return code
    county = (
        Region.objects.filter(code__startswith=code, level=Level.COUNTY)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    if county is None:
        raise NotFound()
    return county


def _year(value: str | None) -> int | None:
    if not value:
        return None
    try:
        year = int(value)
    except ValueError:
        raise NotFound() from None
    if not 2000 <= year <= 2100:
        raise NotFound()
    return year


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
    cases = list(open_cases.select_related("household", "region").order_by("id")[:EXIT_LIST_LIMIT])
    for case in cases:
        if case.household is None:
            continue
        failures = criteria.failed(
            criteria.household_exit_criteria(case.household, case.year, case.data)
        )
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
    actor = _actor(request)
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
    actor = _actor(request)
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
    actor = _actor(request)
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
    context = {
        "page_title": f"贫困县摘帽 · {county.name}",
        "county": county,
        "rates": criteria.county_rates(county.code),
        "rows": criteria.county_exit_criteria(county.code),
        "case": case,
        "case_url": url.format(case.pk) if case else "",
        "case_state": flow.state_label(case.state) if case else "",
        "samples": samples,
        "survey_count": surveys.count(),
        "surveys": surveys.select_related("region").order_by("-surveyed_on", "-id")[:10],
    }
    return render(request, T + "county_exit.html", context)


# --- samples -----------------------------------------------------------------------------------


def _access_sample(actor: Actor, pk: int) -> Sample:
    sample = Sample.objects.select_related("region", "created_by").filter(pk=pk).first()
    if sample is None:
        raise NotFound()
    actor.require(Perm.CASE_VIEW, sample.region_code)
    return sample


@require_GET
def sample_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    qs = Sample.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
    region = (request.GET.get("region") or "").strip()
    if region:
        if not region.isdigit():
            raise NotFound()
        qs = qs.filter(region_code__startswith=region)
    qs = (
        qs.select_related("region", "created_by")
        .annotate(checked=Count("items", filter=~Q(items__finding="")))
        .order_by("-created_at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page_title": "抽样核查",
        "page": page,
        "region": region,
        "can_draw": actor.has_perm(Perm.CASE_ACT) and not actor.is_read_only,
    }
    return render(request, T + "sample_list.html", context)


def _int(value: Any, name: str, label: str, errors: dict[str, str]) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = f"{label}应为整数"
        return None


@require_http_methods(["GET", "POST"])
def sample_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if actor.is_read_only or not actor.has_perm(Perm.CASE_ACT):
        raise PermissionDenied("只读角色不能抽样")
    form: dict[str, Any] = {
        "region": _default_county_or_below(actor),
        "purpose": Sample.Purpose.EXITED,
        "size": "60",
        "seed": "",
        "note": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        form.update({k: request.POST.get(k, "").strip() for k in form})
        size = _int(form["size"], "size", "样本量", errors)
        seed = _int(form["seed"], "seed", "随机种子", errors)
        if size is None and "size" not in errors:
            errors["size"] = "请填写样本量"
        if not errors:
            try:
                sample = services.draw_sample(
                    actor=actor,
                    region_code=form["region"],
                    purpose=form["purpose"],
                    size=size or 0,
                    seed=seed,
                    note=form["note"],
                )
            except ValidationFailed as exc:
                error = exc.message
                errors.update({k: v[0] for k, v in exc.errors.items() if v})
            else:
                messages.success(
                    request,
                    f"已抽取 {sample.size} 户（总体 {sample.population} 户，随机种子 {sample.seed}）。",
                )
                return redirect("workflows:sample_detail", pk=sample.pk)
        status = 422
    context = {
        "page_title": "新建抽样",
        "form": form,
        "errors": errors,
        "error": error,
        "purposes": Sample.Purpose.choices,
    }
    return render(request, T + "sample_form.html", context, status=status)


def _rates(sample: Sample) -> dict[str, Any]:
    counts = dict(
        SampleItem.objects.filter(sample=sample)
        .values_list("finding")
        .annotate(n=Count("id"))
        .values_list("finding", "n")
    )
    checked = sum(n for f, n in counts.items() if f)
    rows = [(label, counts.get(value, 0)) for value, label in SampleItem.Finding.choices if value]
    target = {
        Sample.Purpose.EXITED: ("wrong_exit", "错退率"),
        Sample.Purpose.NON_POOR: ("missed", "漏评率"),
        Sample.Purpose.ALL: ("wrong_id", "错评率"),
    }[Sample.Purpose(sample.purpose)]
    return {
        "checked": checked,
        "pending": counts.get("", 0),
        "rows": rows,
        "rate_label": target[1],
        "rate": criteria.percent(counts.get(target[0], 0), checked),
    }


@require_GET
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    sample = _access_sample(actor, pk)
    items = SampleItem.objects.filter(sample=sample).select_related(
        "household", "household__village"
    )
    page = Paginator(items.order_by("position"), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    status_labels = dict(codes.Status.choices)
    context = {
        "page_title": f"抽样 {sample.pk} · {sample.region.name}",
        "sample": sample,
        "page": page,
        "status_labels": status_labels,
        "findings": [(v, label) for v, label in SampleItem.Finding.choices if v],
        "rates": _rates(sample),
        "can_record": actor.can_write(Perm.CASE_ACT, sample.region_code),
    }
    return render(request, T + "sample_detail.html", context)


@require_POST
def sample_finding(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    item = SampleItem.objects.filter(pk=pk).only("id", "sample_id", "position").first()
    if item is None:
        raise NotFound()
    page = (item.position - 1) // ITEMS_PER_PAGE + 1
    try:
        saved = services.record_finding(
            actor=actor,
            item_id=pk,
            finding=request.POST.get("finding", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationFailed as exc:
        messages.error(request, f"第 {item.position} 户：{exc.message}")
    else:
        messages.success(
            request, f"第 {saved.position} 户核查结论已登记：{saved.get_finding_display()}"
        )
    target = reverse("workflows:sample_detail", args=[item.sample_id])
    return redirect(f"{target}?page={page}#item-{pk}")


@require_GET
def sample_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The drawn list as CSV (UTF-8 with BOM so Excel reads the Chinese) for the third-party
    team: no ID numbers or phones, the seed and the population in the first lines."""
    actor = _actor(request)
    sample = _access_sample(actor, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sample-{sample.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        ["抽样编号", sample.pk, "抽样范围", f"{sample.region.name}（{sample.region_code}）"]
    )
    writer.writerow(["抽样目的", sample.get_purpose_display(), "随机种子", sample.seed])
    writer.writerow(["总体数量", sample.population, "样本量", sample.size])
    writer.writerow(["抽样时间", timezone.localtime(sample.created_at).strftime("%Y-%m-%d %H:%M")])
    writer.writerow([])
    writer.writerow(["序号", "户编号", "村代码", "村", "户主姓名", "状态", "核查结论", "说明"])
    status_labels = dict(codes.Status.choices)
    items = (
        SampleItem.objects.filter(sample=sample)
        .select_related("household", "household__village")
        .order_by("position")
    )
    for item in items.iterator(chunk_size=1000):
        h = item.household
        writer.writerow(
            [
                item.position,
                h.household_no,
                h.region_code,
                h.village.name if h.village else "",
                h.head_name,
                status_labels.get(h.status, h.status),
                item.get_finding_display() if item.finding else "",
                item.note,
            ]
        )
    return response


# --- surveys -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def surveys(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    county = (request.GET.get("county") or "").strip()
    qs = Survey.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
    if county:
        if not county.isdigit():
            raise NotFound()
        qs = qs.filter(region_code__startswith=county)
    form: dict[str, Any] = {
        "village": "",
        "surveyed_on": timezone.localdate().isoformat(),
        "surveyed": "",
        "satisfied": "",
        "surveyor": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        if actor.is_read_only or not actor.has_perm(Perm.CASE_ACT):
            raise PermissionDenied("只读角色不能登记调查结果")
        form.update({k: request.POST.get(k, "").strip() for k in form})
        surveyed = _int(form["surveyed"], "surveyed", "调查人数", errors)
        satisfied = _int(form["satisfied"], "satisfied", "认可人数", errors)
        for key, label, value in (
            ("surveyed", "调查人数", surveyed),
            ("satisfied", "认可人数", satisfied),
        ):
            if value is None and key not in errors:
                errors[key] = f"请填写{label}"
        try:
            day = dt.date.fromisoformat(form["surveyed_on"])
        except ValueError:
            errors["surveyed_on"] = "请填写调查日期"
        village = form["village"]
        if not (village.isdigit() and len(village) == 12):
            errors["village"] = "请填写12位村代码"
        if not errors:
            try:
                services.record_survey(
                    actor=actor,
                    village_code=village,
                    surveyed_on=day,
                    surveyed=surveyed or 0,
                    satisfied=satisfied or 0,
                    surveyor=form["surveyor"],
                )
            except ValidationFailed as exc:
                error = exc.message
                errors.update({k: v[0] for k, v in exc.errors.items() if v})
            else:
                messages.success(request, "群众认可度调查记录已保存。")
                return redirect(request.get_full_path())
        status = 422
    page = Paginator(
        qs.select_related("region", "created_by").order_by("-surveyed_on", "-id"), 50
    ).get_page(request.GET.get("page"))
    summary = qs.aggregate(n=Count("id"))
    total = _survey_totals(qs)
    context = {
        "page_title": "群众认可度调查",
        "page": page,
        "county": county,
        "form": form,
        "errors": errors,
        "error": error,
        "records": summary["n"],
        "totals": total,
        "can_record": actor.has_perm(Perm.CASE_ACT) and not actor.is_read_only,
    }
    return render(request, T + "surveys.html", context, status=status)


def _survey_totals(qs: Any) -> dict[str, Any]:
    from django.db.models import Sum

    row = qs.aggregate(s=Sum("surveyed"), ok=Sum("satisfied"))
    surveyed, satisfied = int(row["s"] or 0), int(row["ok"] or 0)
    return {
        "surveyed": surveyed,
        "satisfied": satisfied,
        "rate": criteria.percent(satisfied, surveyed),
    }
