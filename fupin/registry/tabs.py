"""Tabs of the household detail page, as a small registry other domains extend.

A domain adds its own tab (帮扶措施, 走访记录, 监测 …) without touching the registry's views:

    from fupin.registry.tabs import register_tab

    def _measures(request, actor, household):
        return {"measures": selectors.measures_of(actor, household)}

    register_tab(
        "帮扶措施", "assistance/_household_measures.html", _measures, Perm.HOUSEHOLD_VIEW,
        key="measures", order=200,
    )

Call it from the app's `AppConfig.ready()`. The template is rendered inside the detail page
with `household`, `actor`, `can_edit` and whatever `context_fn(request, actor, household)`
returns. Only the open tab's context_fn runs (the tab is chosen with `?tab=<key>`), so a tab
costs queries only when shown; keep each context_fn's query count fixed (no N+1). `perm` is
checked against the household's village: a tab the actor may not see is not listed.
Orders of the registry's own tabs are 10–70; other domains use 100 and up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from fupin.core.access import Actor, Perm

ContextFn = Callable[[HttpRequest, Actor, Any], dict[str, Any]]


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    template: str
    context_fn: ContextFn
    perm: Perm | str
    order: int


_TABS: dict[str, Tab] = {}


def register_tab(
    label: str,
    template: str,
    context_fn: ContextFn,
    perm: Perm | str = Perm.HOUSEHOLD_VIEW,
    *,
    key: str | None = None,
    order: int = 100,
) -> Tab:
    """Add (or replace, by key) a tab of the household detail page."""
    tab = Tab(
        key=key or template.rsplit("/", 1)[-1].removesuffix(".html").lstrip("_"),
        label=label,
        template=template,
        context_fn=context_fn,
        perm=perm,
        order=order,
    )
    _TABS[tab.key] = tab
    return tab


def tabs_for(actor: Actor, region_code: str) -> list[Tab]:
    return sorted(
        (t for t in _TABS.values() if actor.can(t.perm, region_code)),
        key=lambda t: (t.order, t.key),
    )
