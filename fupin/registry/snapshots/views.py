"""Pages of the yearly snapshots (年度数据): statistics and list of a year, one household as
of a year, the year's export and the freeze action."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fupin.core import codelists, exports
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import NotFound, ValidationFailed
from fupin.registry import codes, privacy
from fupin.registry.services import require_write

from . import selectors, services

FIRST_YEAR = 2014


def _year(value: Any, default: int | None = None) -> int:
    try:
        year = int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise NotFound() from None
    if year is None or not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise NotFound()
    return year


def _can_freeze(actor: Actor, region_code: str) -> bool:
    return (
        0 < len(region_code) <= 6
        and actor.can(Perm.HOUSEHOLD_EDIT, region_code)
        and not actor.is_read_only
    )


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region_code, region_name = selectors.access_region(actor, request.GET.get("region"))
    years = selectors.frozen_years(actor, region_code)
    this_year = timezone.localdate().year
    year = _year(request.GET.get("year"), years[0] if years else this_year - 1)
    stats = selectors.year_stats(actor, year=year, region_code=region_code, region_name=region_name)
    status = request.GET.get("status", "")
    if status not in codes.Status.values:
        status = ""
    cursor = request.GET.get("cursor", "")
    rows, next_cursor = (
        selectors.household_page(
            actor, year=year, region_code=region_code, cursor=cursor, status=status
        )
        if stats.exists
        else ([], "")
    )
    context = {
        "page_title": f"{year}年度数据",
        "year": year,
        "years": years,
        "year_choices": sorted(set(years) | set(range(FIRST_YEAR, this_year + 1)), reverse=True),
        "region_code": region_code,
        "region_name": region_name,
        "stats": stats,
        "chart": selectors.chart_data(stats),
        "rows": rows,
        "cursor": cursor,
        "next_cursor": next_cursor,
        "status": status,
        "statuses": codelists.choices(codes.Status),
        "can_freeze": _can_freeze(actor, region_code),
    }
    return render(request, "registry/snapshots/index.html", context)


def household(request: HttpRequest, year: int, household_id: int) -> HttpResponse:
    actor = actor_of(request)
    snapshot = selectors.access_snapshot(actor, year=_year(year), household_id=household_id)
    context = {
        "page_title": f"{snapshot.head_name}户 · {year}年度数据",
        "snapshot": snapshot,
        "view": selectors.snapshot_display(snapshot, privacy.Sight.of(actor, snapshot.region_code)),
        "year": year,
    }
    return render(request, "registry/snapshots/household.html", context)


HOUSEHOLD_HEADERS = [
    "户编号", "村代码", "户主姓名", "贫困户属性", "主要致贫原因", "状态", "脱贫年度", "人口数",
    "人均纯收入（元）",
]  # fmt: skip
MEMBER_HEADERS = [
    "户编号", "姓名", "身份证号（脱敏）", "与户主关系", "性别", "出生日期", "健康状况", "在校生状况",
    "参加基本医疗保险",
]  # fmt: skip


def member_headers(sight: privacy.Sight) -> list[str]:
    """The member sheet's headers as the actor may see them: 年龄 instead of 出生日期 without
    PERSONAL_DATA_VIEW, no 健康状况 without HEALTH_VIEW (the row follows the same rule)."""
    headers = [
        "年龄（周岁）" if h == "出生日期" and not sight.personal else h for h in MEMBER_HEADERS
    ]
    return [h for h in headers if h != "健康状况" or sight.health]


def member_cells(
    sight: privacy.Sight, household_no: str, doc: dict[str, Any], labels: Any
) -> list[Any]:
    m = privacy.frozen_member(sight, doc)
    cells = [
        household_no, m.get("name", ""), m.get("id_masked", ""),
        labels["relation"].get(m.get("relation"), m.get("relation")),
        m.get("sex", ""), m.get("birth_date", "") if sight.personal else m.get("age") or "",
        labels["health"].get(m.get("health"), m.get("health")) if sight.health else None,
        labels["schooling"].get(m.get("schooling"), m.get("schooling")),
        "是" if m.get("insured_medical") else "否",
    ]  # fmt: skip
    return [c for i, c in enumerate(cells) if i != 6 or sight.health]


def export(request: HttpRequest, year: int) -> FileResponse:
    """The year's households and members as .xlsx, written row by row (constant memory) to a
    temporary file that is streamed back. ID numbers are masked: snapshots hold no other form."""
    actor = actor_of(request)
    year = _year(year)
    region_code, _ = selectors.access_region(actor, request.GET.get("region"))
    qs = selectors.export_rows(actor, year=year, region_code=region_code)
    labels = {
        "attribute": dict(codelists.choices(codes.Attribute)),
        "cause": dict(codelists.choices(codes.Cause)),
        "status": dict(codelists.choices(codes.Status)),
        "relation": dict(codelists.choices(codes.Relation)),
        "health": dict(codelists.choices(codes.Health)),
        "schooling": dict(codelists.choices(codes.Schooling)),
    }
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 — closed by FileResponse
    book = exports.workbook(out.name, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet("户信息")
    sheet.write_row(0, 0, HOUSEHOLD_HEADERS)
    n = 0
    for n, s in enumerate(qs.defer("data").iterator(chunk_size=2000), 1):
        sheet.write_row(
            n,
            0,
            [
                s.household_no, s.region_code, s.head_name,
                labels["attribute"].get(s.attribute, s.attribute),
                labels["cause"].get(s.main_cause, s.main_cause),
                labels["status"].get(s.status, s.status), s.exit_year or "", s.size,
                float(s.per_capita) if s.per_capita is not None else "",
            ],
        )  # fmt: skip
    sight = privacy.Sight.everywhere(
        actor, [region_code] if region_code else actor.region_codes(Perm.HOUSEHOLD_VIEW)
    )
    members = book.add_worksheet("成员信息")
    members.write_row(0, 0, member_headers(sight))
    row = 0
    for household_no, data in qs.values_list("household_no", "data").iterator(chunk_size=1000):
        for m in (data or {}).get("members") or []:
            row += 1
            members.write_row(row, 0, member_cells(sight, household_no, m, labels))
    book.close()
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{year}年度数据_{region_code or '全部'}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_POST
def freeze(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    # Parameters come from the form, or from the query string (API-style callers).
    region_code, _ = selectors.access_region(
        actor, request.POST.get("region") or request.GET.get("region")
    )
    year = _year(request.POST.get("year") or request.GET.get("year"))
    require_write(actor, region_code)
    if len(region_code) > 6 or not region_code:
        raise ValidationFailed("年度数据由县级及以上冻结")
    written = services.snapshot_year(year=year, region_code=region_code, actor=actor)
    messages.success(request, f"{year}年度数据已冻结，共 {written} 户。")
    return redirect(f"{reverse('registry:snapshots')}?year={year}&region={region_code}")
