"""The discipline views: the overview (every kind's preview) and one kind's drill-down, for the
region chosen (checked) or the actor's SUPERVISE jurisdiction."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fupin.core import params
from fupin.core.access import ALL_REGIONS, Actor, Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied
from fupin.regions.models import Region
from fupin.supervision import digest
from fupin.supervision.discipline.views.alerts import alerts_kind
from fupin.supervision.discipline.views.cadres import cadres_kind
from fupin.supervision.discipline.views.clues import clues_kind
from fupin.supervision.discipline.views.common import (
    KINDS,
    LIMIT,
    PREVIEW,
    Scope,
)
from fupin.supervision.discipline.views.duties import duties_kind

BUILDERS = {"alerts": alerts_kind, "clues": clues_kind, "duties": duties_kind,
            "cadres": cadres_kind}  # fmt: skip


def resolve_scope(actor: Actor, code: str) -> Scope:
    """The region the page looks at: `code` (checked) or the actor's SUPERVISE jurisdiction."""
    code = (code or "").strip()
    if code:
        if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
            raise NotFound("区划代码不存在或不在您的管辖范围内")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise NotFound("区划代码不存在或不在您的管辖范围内")
        actor.require(Perm.SUPERVISE, code)
        name = region.name
    else:
        codes = actor.region_codes(Perm.SUPERVISE)
        if not codes:
            raise PermissionDenied("纪委再监督页面仅供纪检监察机关查看")
        if len(codes) == 1 and codes[0] != ALL_REGIONS:
            code = codes[0]
            name = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
        else:
            name = "全部授权辖区"
    return Scope(
        actor=actor,
        code=code,
        name=name,
        today=timezone.localdate(),
        now=timezone.now(),
        unhandled_days=int(params.get(digest.UNHANDLED_DAYS.key, region_code=code)),
        verify_days=int(params.get(digest.VERIFY_DAYS.key, region_code=code)),
    )


def _context(scope: Scope, **extra: Any) -> dict[str, Any]:
    return {
        "scope": scope,
        "region_query": f"?region={scope.code}" if scope.code else "",
        "kinds": [(key, title) for key, (title, _) in KINDS.items()],
        **extra,
    }


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    scope = resolve_scope(actor_of(request), request.GET.get("region", ""))
    views = [build(scope, PREVIEW) for build in BUILDERS.values()]
    return render(
        request,
        "supervision/discipline/overview.html",
        _context(scope, page_title="纪委再监督", views=views),
    )


@require_GET
def kind_detail(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in BUILDERS:
        raise Http404
    scope = resolve_scope(actor_of(request), request.GET.get("region", ""))
    view = BUILDERS[kind](scope, LIMIT)
    return render(
        request,
        "supervision/discipline/kind.html",
        _context(scope, page_title=f"纪委再监督 · {view.title}", view=view, active=kind),
    )
