"""Read pages: the rule catalogue, the alert list, the alert page and the statistics."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from fupin.core.access import Perm, actor_of
from fupin.core.web.pager import keep_params, keyset_pager
from fupin.supervision.alerts import selectors, services
from fupin.supervision.alerts.flows import FLOW
from fupin.supervision.alerts.forms import AlertFilterForm, RunForm
from fupin.supervision.alerts.views.common import (
    PAGE_SIZE,
    SEVERITY_BADGE,
    T,
    detail_context,
    sweep_grants,
)


def rules_context(
    request: HttpRequest, region: str, results: list[Any] | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    grants = sweep_grants(actor)
    by_rule = {r.rule: r for r in results or []}
    rows = selectors.rule_catalogue(actor, region)
    for row in rows:
        row["result"] = by_rule.get(row["rule"].code)
    return {
        "page_title": "预警规则",
        "region": region,
        "region_name": selectors.region_name(region),
        "rows": rows,
        "total_open": sum(r["open"] for r in rows),
        "params_url": reverse("web:parameters"),
        "can_run": bool(grants),
        "run_form": RunForm(initial={"region": run_region(region, grants)}),
        "results": results,
        "result_totals": {
            "opened": sum(r.opened for r in results or []),
            "refreshed": sum(r.refreshed for r in results or []),
            "cleared": sum(r.cleared for r in results or []),
        },
    }


def run_region(region: str, grants: list[Any]) -> str:
    """The region a sweep runs over by default: the page's, if a sweep grant covers it."""
    if any(region.startswith(g.region_code) for g in grants):
        return region
    return grants[0].region_code if grants else ""


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    region = selectors.chosen_region(actor_of(request), request.GET.get("region"))
    return render(request, T + "rules.html", rules_context(request, region))


def _filters(form: AlertFilterForm) -> selectors.AlertFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.AlertFilters(
        rule=data.get("rule") or "",
        severity=data.get("severity") or "",
        state=data.get("state") or "",
        status=data.get("status") or "open",
        overdue=bool(data.get("overdue")),
        region=(data.get("region") or "").strip(),
        unit=(data.get("unit") or "").strip(),
    )


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = AlertFilterForm(request.GET or None)
    filters = _filters(form)
    # 403 without the alert view anywhere; 404 for a region outside the jurisdiction.
    selectors.chosen_region(actor, filters.region or None)
    qs = selectors.alert_list(actor, filters)
    page = keyset_pager(request, qs, selectors.ALERT_KEYS, limit=PAGE_SIZE)
    kept = keep_params(request, "status", "overdue")
    names = selectors.region_names(sorted({a.region_code for a in page.items}))
    today = selectors.today()
    rows = [
        {
            "a": a,
            "rule": selectors.rule_label(a.rule_code),
            "state": FLOW.state_label(a.case.state),
            "badge": SEVERITY_BADGE.get(a.severity, "bg-secondary"),
            "region": names.get(a.region_code, a.region_code),
            "overdue": a.is_open and a.due_date is not None and a.due_date < today,
        }
        for a in page.items
    ]
    context = {
        "page_title": "预警督办",
        "form": form,
        "pager": page,
        "rows": rows,
        "counts": selectors.counts(actor, filters),
        "links": {
            "open": "?" + urlencode([*kept, ("status", "open")]),
            "overdue": "?" + urlencode([*kept, ("status", "open"), ("overdue", "on")]),
            "closed": "?" + urlencode([*kept, ("status", "closed")]),
            "all": "?" + urlencode([*kept, ("status", "all")]),
        },
    }
    return render(request, T + "list.html", context)


@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    alert = services.access_alert(actor, pk)
    return render(request, T + "detail.html", detail_context(actor, alert))


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region = selectors.chosen_region(actor, request.GET.get("region"))
    stats = selectors.dashboard(actor, region)
    alerts_url = reverse("supervision:alerts")

    def link(**params: str) -> str:
        return f"{alerts_url}?{urlencode({'status': 'all', 'region': region, **params})}"

    for row in stats["by_rule"]:
        row["url"] = link(rule=row["k"])
    for row in stats["by_region"]:
        row["url"] = f"{alerts_url}?{urlencode({'status': 'all', 'region': row['k']})}"
        row["drill"] = reverse("supervision:dashboard") + f"?region={row['k']}"
    for row in stats["by_unit"]:
        row["url"] = link(unit=row["k"])
    chart = {
        "rule": {
            "names": [r["label"] for r in stats["by_rule"]],
            "open": [r["open"] for r in stats["by_rule"]],
            "closed": [r["closed"] for r in stats["by_rule"]],
            "links": [r["url"] for r in stats["by_rule"]],
        },
        "region": {
            "names": [r["label"] for r in stats["by_region"]],
            "open": [r["open"] for r in stats["by_region"]],
            "closed": [r["closed"] for r in stats["by_region"]],
            "links": [r["url"] for r in stats["by_region"]],
        },
        "status": {
            "names": ["未销号（未逾期）", "逾期未销号", "已销号"],
            "values": [
                stats["totals"]["open"] - stats["totals"]["overdue"],
                stats["totals"]["overdue"],
                stats["totals"]["closed"],
            ],
            "links": [
                link(status="open"),
                link(status="open", overdue="on"),
                link(status="closed"),
            ],
        },
    }
    parent = region[: {2: 0, 4: 2, 6: 4, 9: 6, 12: 9}.get(len(region), 0)]
    context = {
        "page_title": "预警统计",
        "region": region,
        "region_name": selectors.region_name(region),
        "parent": parent
        if parent and actor.sees(parent) and actor.can(Perm.ALERT_VIEW, parent)
        else "",
        "s": stats,
        "median": selectors.duration_label(stats["median"]),
        "chart": chart,
        "links": {
            "open": link(status="open"),
            "overdue": link(status="open", overdue="on"),
            "closed": link(status="closed"),
            "all": link(),
        },
    }
    return render(request, T + "dashboard.html", context)
