"""Staff pages: the rule catalogue and the 疑点 per region with drill-down and a re-check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.web.pager import keyset_pager
from fupin.regions.models import Region
from fupin.registry.services import require_write

from . import selectors
from .base import Severity
from .sweep import sweep

PAGE_SIZE = 50
SYNC_SWEEP_LIMIT = 5000  # larger regions wait for the nightly `registry_sweep`


def household_url(pk: int) -> str:
    try:
        return reverse("registry:household_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return f"/registry/households/{pk}/"


def _path(actor: Actor, region: Region | None) -> list[Region]:
    """Ancestors the actor may drill back up to, then the region itself."""
    if region is None:
        return []
    ancestors = Region.objects.filter(code__in=region.ancestor_codes()).order_by("code")
    return [r for r in ancestors if actor.can(Perm.HOUSEHOLD_VIEW, r.code)] + [region]


def rules(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region = selectors.region_for(actor, request.GET.get("region"))
    rows = [
        {"item": item, "fields": "、".join(selectors.field_labels(item.rule.fields))}
        for item in selectors.rule_catalogue(actor, region)
        if item.rule is not None
    ]
    context = {"page_title": "逻辑校验规则", "region": region, "rows": rows}
    return render(request, "registry/validation/rules.html", context)


def doubts(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region = selectors.region_for(actor, request.GET.get("region"))
    rule_code = request.GET.get("rule", "").strip().upper() or None
    severity = request.GET.get("severity", "").strip() or None
    if severity not in (None, *Severity):
        severity = None
    page = keyset_pager(
        request,
        selectors.doubt_list(actor, region, rule_code=rule_code, severity=severity),
        selectors.DOUBT_KEYS,
        limit=PAGE_SIZE,
    )
    rows: list[dict[str, Any]] = [
        {"doubt": d, "url": household_url(d.household_id)} for d in page.items
    ]
    by_rule = selectors.counts_by_rule(actor, region)
    rule_names = {r.code: r.name for r in selectors.all_rules()}
    context = {
        "page_title": "逻辑校验疑点",
        "region": region,
        "path": _path(actor, region),
        "rule_code": rule_code or "",
        "rule_name": rule_names.get(rule_code or "", ""),
        "severity": severity or "",
        "by_rule": by_rule,
        "total": sum(c.count for c in by_rule),
        "children": selectors.counts_by_child(actor, region, rule_code),
        "pager": page,
        "rows": rows,
        "rule_names": rule_names,
        "can_recheck": region is not None
        and actor.can(Perm.HOUSEHOLD_EDIT, region.code)
        and not actor.is_read_only,
        "sync_limit": SYNC_SWEEP_LIMIT,
    }
    return render(request, "registry/validation/doubts.html", context)


@require_POST
def recheck(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    code = request.POST.get("region") or request.GET.get("region")
    region = selectors.region_for(actor, code)
    target = reverse("registry:doubts")
    if region is None:
        messages.error(request, "请先选择要重新校验的区划")
        return redirect(target)
    require_write(actor, region.code)
    target += f"?region={region.code}"
    count = selectors.household_count(region)
    if count > SYNC_SWEEP_LIMIT:
        messages.warning(
            request,
            f"{region.name}共有 {count} 户，超过 {SYNC_SWEEP_LIMIT} 户，不能在页面上立即校验；"
            "系统每晚自动排查，也可请管理员运行 registry_sweep 命令。",
        )
        return redirect(target)
    result = sweep(region_code=region.code)
    messages.success(
        request,
        f"已重新校验{region.name} {result.households} 户，发现疑点 {result.doubts} 条。",
    )
    return redirect(target)
