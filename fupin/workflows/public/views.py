"""Public pages (no login, SPEC §8): running notices by region, one notice's masked list with
the objection form, the printable PDF, and the 防返贫监测 self-declaration form.

Nothing here reads registry data beyond the masked lines frozen on notice entries; replies to
the public forms never say whether an ID number is registered. Posts are CSRF-protected and
rate-limited per client address.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.http import client_ip
from fupin.regions.models import CODE_LENGTH, Level, Region
from fupin.workflows.cases import risk, services
from fupin.workflows.notices import services as notices
from fupin.workflows.notices.models import Notice, NoticeLevel, NoticeStatus
from fupin.workflows.notices.views import pdf_response

T = "workflows/public/"
PAGE_SIZE = 20
RATE_LIMIT_POSTS = 10
RATE_LIMIT_SECONDS = 600
RATE_LIMIT_MESSAGE = "提交过于频繁，请10分钟后再试；如有急事请拨打监督电话。"
SEARCH_LIMIT = 30


# --- abuse protection ------------------------------------------------------------------------


def rate_limited(request: HttpRequest) -> bool:
    """Count one public post from this address; True once it exceeds the window's allowance."""
    key = f"fupin:public-post:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=RATE_LIMIT_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_LIMIT_SECONDS)
        count = 1
    return count > RATE_LIMIT_POSTS


# --- region picker ---------------------------------------------------------------------------


def _region(code: str) -> Region | None:
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in CODE_LENGTH.values():
        return None
    return Region.objects.filter(code=code).first()


def _ancestors(region: Region) -> list[Region]:
    codes = [region.code[:n] for n in sorted(CODE_LENGTH.values()) if n < len(region.code)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found] + [region]


def _path_names(regions: list[Region]) -> dict[str, str]:
    """'县 乡镇 村' for each region, with the ancestors fetched in one query."""
    wanted = {r.code[:n] for r in regions for n in (6, 9) if n < len(r.code)}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    return {
        r.code: " ".join(
            [names[r.code[:n]] for n in (6, 9) if n < len(r.code) and r.code[:n] in names]
            + [r.name]
        )
        for r in regions
    }


def region_picker(
    request: HttpRequest, *, leaf: Level | None = None, default: Region | None = None
) -> dict[str, Any]:
    """Drill-down (province → … → village) from `?at=` and a name search from `?q=`.

    With a single province loaded (a provincial deployment) the drill-down starts inside it."""
    at = _region(request.GET.get("at", "")) if "at" in request.GET else default
    q = (request.GET.get("q") or "").strip()[:30]
    if at is None:
        provinces = list(Region.objects.filter(level=Level.PROVINCE).order_by("code")[:2])
        at = provinces[0] if len(provinces) == 1 else None
    path = _ancestors(at) if at else []
    if at is None:
        children = list(Region.objects.filter(level=Level.PROVINCE).order_by("code"))
    elif at.level < (leaf or Level.VILLAGE):
        children = list(Region.objects.filter(parent=at).order_by("code"))
    else:
        children = []
    results: list[dict[str, Any]] = []
    if q:
        found = Region.objects.filter(name__contains=q)
        if leaf is not None:
            found = found.filter(level=leaf)
        if at is not None:
            found = found.filter(code__startswith=at.code)
        rows = list(found.order_by("level", "code")[:SEARCH_LIMIT])
        names = _path_names(rows)
        results = [{"r": r, "path": names[r.code]} for r in rows]
    return {
        "at": at,
        "path": path,
        "children": children,
        "q": q,
        "results": results,
        "leaf": int(leaf) if leaf else None,
    }


# --- notices ---------------------------------------------------------------------------------


@login_not_required
@require_GET
def notice_index(request: HttpRequest) -> HttpResponse:
    region = _region(request.GET.get("region", ""))
    qs = notices.public_notices(region.code if region else "")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_title": "公示公告",
        "page": page,
        "region": region,
        "region_path": _ancestors(region) if region else [],
        "picker": region_picker(request, default=region),
    }
    return render(request, T + "notices.html", context)


def _public_notice(pk: int) -> Notice:
    """A notice the public may see: published (started) and not withdrawn."""
    notice = (
        Notice.objects.select_related("region")
        .filter(pk=pk, start_date__lte=timezone.localdate())
        .exclude(status=NoticeStatus.WITHDRAWN)
        .first()
    )
    if notice is None:
        raise NotFound("公示不存在")
    return notice


def _notice_context(notice: Notice, form: dict[str, Any] | None = None) -> dict[str, Any]:
    entries = list(notice.entries.order_by("id").only("id", "published", "withdrawn"))
    lines: list[dict[str, Any]] = []
    for no, entry in enumerate(entries, start=1):
        # A withdrawn entry shows only its number and a mark, nothing of what was published.
        line: dict[str, Any] = {} if entry.withdrawn else dict(entry.published)
        line.pop("case_no", None)
        lines.append({"no": no, "id": entry.pk, "withdrawn": entry.withdrawn, "line": line})
    shown = [row["line"] for row in lines if not row["withdrawn"]]
    has_household = any("head" in ln for ln in shown)
    extras = {key for ln in shown for key in ("per_capita", "incidence", "category") if key in ln}
    # A village's own notice names the village in its title: no column repeating it.
    show_region = notice.level != NoticeLevel.VILLAGE or not has_household
    return {
        "page_title": notice.title,
        "notice": notice,
        "running": notices.is_running(notice),
        "outcome": notices.notice_outcome(notice),
        "lines": lines,
        "has_household": has_household,
        "extras": extras,
        "show_region": show_region,
        "withdrawn_span": max(1, int(show_region) + 3 * int(has_household) + len(extras)),
        "form": form or {},
        "errors": (form or {}).get("errors", {}),
    }


@login_not_required
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _public_notice(pk)
    return render(request, T + "notice_detail.html", _notice_context(notice))


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_not_required
@require_POST
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _public_notice(pk)
    data = notices.ObjectionInput(
        content=request.POST.get("content", "")[:4000],
        name=request.POST.get("name", "")[:50],
        phone=request.POST.get("phone", "")[:20],
        entry_id=_int_or_none(request.POST.get("entry")),
    )
    form: dict[str, Any] = {
        "content": data.content,
        "name": data.name,
        "phone": data.phone,
        "entry": data.entry_id,
    }
    if rate_limited(request):
        form["message"] = RATE_LIMIT_MESSAGE
        return render(request, T + "notice_detail.html", _notice_context(notice, form), status=429)
    try:
        created = notices.objection_submit(notice_id=notice.pk, data=data, actor=None)
    except ValidationFailed as exc:
        form.update(message=exc.message, errors=exc.errors)
        return render(request, T + "notice_detail.html", _notice_context(notice, form))
    context = {"page_title": "异议已提交", "notice": notice, "reference": created.pk}
    return render(request, T + "objection_done.html", context)


@login_not_required
@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return pdf_response(_public_notice(pk))


# --- self-declaration ------------------------------------------------------------------------


def _declaration_form(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "name": post.get("name", "")[:20],
        "phone": post.get("phone", "")[:12],
        "id_number": post.get("id_number", "")[:18],
        "risk_types": [t for t in post.getlist("risk_types") if t in risk.RiskType.values],
        "medical_expense": post.get("medical_expense", "")[:14],
        "reason": post.get("reason", "")[:1000],
    }


def _expense(value: str) -> Decimal | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValidationFailed(
            "医疗支出金额格式不正确", errors={"medical_expense": ["请填写金额（元）"]}
        ) from exc


@login_not_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """防返贫监测 自主申报: the village is chosen with the picker (`?village=` once chosen)."""
    village = _region(request.POST.get("village") or request.GET.get("village", ""))
    if village is not None and village.level != Level.VILLAGE:
        village = None
    form: dict[str, Any] = {"risk_types": []}
    status = 200
    if request.method == "POST":
        form = _declaration_form(request)
        if rate_limited(request):
            form["message"] = RATE_LIMIT_MESSAGE
            status = 429
        else:
            try:
                case = services.declaration_submit(
                    village_code=village.code if village else "",
                    name=form["name"],
                    id_number=form["id_number"],
                    phone=form["phone"],
                    declaration=services.Declaration(
                        reason=form["reason"],
                        risk_types=form["risk_types"],
                        medical_expense=_expense(form["medical_expense"]),
                    ),
                )
            except ValidationFailed as exc:
                form.update(message=exc.message, errors=exc.errors)
            else:
                done = {"page_title": "申报已提交", "case_no": case.case_no, "village": village}
                return render(request, T + "declare_done.html", done)
    context: dict[str, Any] = {
        "page_title": "防返贫监测 自主申报",
        "village": village,
        "village_path": _path_names([village])[village.code] if village else "",
        "picker": region_picker(request, leaf=Level.VILLAGE) if village is None else None,
        "risk_types": risk.RiskType.choices,
        "form": form,
        "errors": form.get("errors", {}),
    }
    return render(request, T + "declare.html", context, status=status)
