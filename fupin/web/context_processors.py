"""Shell context: navigation the actor may see, the jurisdiction breadcrumb, grant switcher.

Fail-soft (fupin.core.outage.fail_soft): when the database cannot be reached the shell is
left out and the page renders without it, rather than the page failing on its menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from fupin.core.access import actor_of
from fupin.core.outage import fail_soft
from fupin.core.platform import navigation


@fail_soft
def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    actor = actor_of(request)
    sections = []
    for title, items in navigation():
        visible = []
        for item in items:
            if item.perm and not actor.has_perm(item.perm):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue  # page not shipped yet
            visible.append({"label": item.label, "url": url, "active": request.path == url})
        if visible:
            sections.append({"title": title, "items": visible})
    return {
        "nav_sections": sections,
        "actor": actor,
        "jurisdiction_path": jurisdiction_path(actor),
    }


def jurisdiction_path(actor: Any) -> list[dict[str, str]]:
    from fupin.regions.models import Region

    grants = actor.in_use()
    if actor.is_system_admin:
        return [{"code": "", "name": "全部辖区（系统管理员）"}]
    if len(grants) != 1 or not grants[0].region_code:
        return [{"code": "", "name": "全部辖区" if grants else "无授权"}]
    code = grants[0].region_code
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    names = dict(Region.objects.filter(code__in=prefixes).values_list("code", "name"))
    return [{"code": p, "name": names.get(p, p)} for p in prefixes]
