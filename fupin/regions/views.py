"""Staff pages for the region tree, village profiles, battle zones, command units, organisations.

Views parse input, call one selector or service and render; domain errors become 403/404
pages or form errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied
from fupin.core.masking import mask_phone
from fupin.core.web import form_post

from . import reveal, selectors, services
from .forms import BattleZoneForm, CommandUnitForm, MemberForm, OrganisationForm, VillageProfileForm
from .models import Level, OrganisationKind, Region

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def _phone(actor: Actor, phone: str) -> str:
    """A phone in an edit form: in full for holders of PERSONAL_DATA_VIEW (who edit it).
    Lists mask every phone for everyone (SPEC §10: a cadre's or contact's mobile is personal
    data; nothing tells an office line from a mobile)."""
    return phone if actor.has_perm(Perm.PERSONAL_DATA_VIEW) else mask_phone(phone)


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


# --- region tree and detail ------------------------------------------------------------------


def tree(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.region_codes(Perm.REGION_VIEW):
        raise PermissionDenied()
    q = request.GET.get("q", "").strip()
    context = {
        "page_title": "行政区划",
        "q": q,
        "roots": list(selectors.region_roots(actor)),
        "hits": selectors.region_search(actor, q) if q else None,
        "search_limit": selectors.SEARCH_LIMIT,
    }
    return render(request, "regions/tree.html", context)


def tree_children(request: HttpRequest, code: str) -> HttpResponse:
    children = list(selectors.region_children(actor_of(request), code))
    # A bare fragment: no shell context processors (navigation, breadcrumb) to query for.
    html = render_to_string("regions/_children.html", {"nodes": children, "parent_code": code})
    return HttpResponse(html)


def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    region = selectors.access_region(actor, code)
    context = {
        "page_title": region.name,
        "region": region,
        "path": selectors.region_path(region),
        "counts": selectors.region_descendant_counts(region),
        "children": list(selectors.region_children(actor, code)[:200]),
        "profile": selectors.village_profile(region),
        "is_village": region.level == Level.VILLAGE,
        "is_county": region.level == Level.COUNTY,
        "can_edit": actor.can_write(Perm.REGION_EDIT, region.code),
    }
    return render(request, "regions/region_detail.html", context)


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    region = selectors.access_village(actor, code)
    actor.require_write(Perm.REGION_EDIT, region.code)
    profile = selectors.village_profile(region)
    status = 200
    if request.method == "POST":
        form = VillageProfileForm(request.POST)
        if form.is_valid():
            posted = form_post(
                form,
                lambda: services.village_profile_update(
                    actor=actor, code=region.code, **form.cleaned_data
                ),
            )
            if posted.conflict:
                status = 409
            if posted.ok:
                messages.success(request, "村情信息已保存。")
                return redirect("regions:detail", code=region.code)
    else:
        initial: dict[str, Any] = {"version": 1}
        if profile is not None:
            initial = {f: getattr(profile, f) for f in VillageProfileForm.base_fields}
        form = VillageProfileForm(initial=initial)
    context = {
        "page_title": f"编辑村情：{region.name}",
        "region": region,
        "path": selectors.region_path(region),
        "form": form,
    }
    return render(request, "regions/profile_form.html", context, status=status)


# --- battle zones ----------------------------------------------------------------------------


def battle_zones(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    county_code = request.GET.get("county", "").strip() or None
    county = selectors.access_region(actor, county_code) if county_code else None
    zones = selectors.battle_zone_list(actor, county_code=county_code)
    context = {
        "page_title": "攻坚战区",
        "county": county,
        "page": _page(request, zones),
        "can_create": county is not None
        and county.level == Level.COUNTY
        and actor.can_write(Perm.REGION_EDIT, county.code),
    }
    return render(request, "regions/battle_zones.html", context)


def _township_choices(county: Region) -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in selectors.county_townships(county)]


@require_http_methods(["GET", "POST"])
def battle_zone_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    county = selectors.access_region(actor, request.GET.get("county", "").strip())
    actor.require_write(Perm.REGION_EDIT, county.code)
    if county.level != Level.COUNTY:
        raise NotFound("攻坚战区只能设在县级区划")
    choices = _township_choices(county)
    if request.method == "POST":
        form = BattleZoneForm(request.POST, township_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            zone = form_post(
                form,
                lambda: services.battle_zone_create(
                    actor=actor,
                    county_code=county.code,
                    name=data["name"],
                    leader_name=data["leader_name"],
                    leader_title=data["leader_title"],
                    township_codes=data["townships"],
                ),
            ).value
            if zone:
                messages.success(request, f"攻坚战区“{zone.name}”已创建。")
                return redirect(f"{reverse('regions:battle_zones')}?county={county.code}")
    else:
        form = BattleZoneForm(initial={"version": 1}, township_choices=choices)
    context = {"page_title": f"新建攻坚战区：{county.name}", "county": county, "form": form}
    return render(request, "regions/battle_zone_form.html", context)


@require_http_methods(["GET", "POST"])
def battle_zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    zone = selectors.access_battle_zone(actor, pk)
    actor.require_write(Perm.REGION_EDIT, zone.county_code)
    choices = _township_choices(zone.county)
    status = 200
    if request.method == "POST":
        form = BattleZoneForm(request.POST, township_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            posted = form_post(
                form,
                lambda: services.battle_zone_update(
                    actor=actor,
                    pk=zone.pk,
                    version=data["version"],
                    name=data["name"],
                    leader_name=data["leader_name"],
                    leader_title=data["leader_title"],
                    leader_id=zone.leader_id,
                    township_codes=data["townships"],
                ),
            )
            saved = posted.value
            if posted.conflict:
                status = 409
            if saved:
                messages.success(request, f"攻坚战区“{saved.name}”已保存。")
                return redirect(f"{reverse('regions:battle_zones')}?county={zone.county_code}")
    else:
        form = BattleZoneForm(
            initial={
                "version": zone.version,
                "name": zone.name,
                "leader_name": zone.leader_name,
                "leader_title": zone.leader_title,
                "townships": [t.code for t in zone.townships.all()],
            },
            township_choices=choices,
        )
    context = {"page_title": f"编辑攻坚战区：{zone.name}", "county": zone.county, "form": form}
    return render(request, "regions/battle_zone_form.html", context, status=status)


# --- command units ---------------------------------------------------------------------------


def command_units(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region_code = request.GET.get("region", "").strip() or None
    region = selectors.access_region(actor, region_code) if region_code else None
    units = selectors.command_unit_list(actor, region_code=region_code)
    context = {
        "page_title": "指挥体系",
        "region": region,
        "page": _page(request, units),
        "can_create": region is not None and actor.can_write(Perm.REGION_EDIT, region.code),
    }
    return render(request, "regions/command_units.html", context)


def _parent_choices(actor: Actor, region: Region, exclude: int | None) -> list[tuple[int, str]]:
    return [
        (u.pk, f"{u.region.name} · {u.name}")
        for u in selectors.parent_unit_choices(actor, region)
        if u.pk != exclude
    ]


@require_http_methods(["GET", "POST"])
def command_unit_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region = selectors.access_region(actor, request.GET.get("region", "").strip())
    actor.require_write(Perm.REGION_EDIT, region.code)
    choices = _parent_choices(actor, region, None)
    if request.method == "POST":
        form = CommandUnitForm(request.POST, parent_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            unit = form_post(
                form,
                lambda: services.command_unit_create(
                    actor=actor,
                    region_code=region.code,
                    name=data["name"],
                    kind=data["kind"],
                    parent_id=data["parent"],
                    duties=data["duties"],
                ),
            ).value
            if unit:
                messages.success(request, f"“{unit.name}”已创建。")
                return redirect("regions:command_unit", pk=unit.pk)
    else:
        form = CommandUnitForm(initial={"version": 1}, parent_choices=choices)
    context = {"page_title": f"新建指挥体系单位：{region.name}", "region": region, "form": form}
    return render(request, "regions/command_unit_form.html", context)


def command_unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    unit = selectors.access_command_unit(actor, pk)
    members = [
        {"member": m, "phone": reveal.member_phone_box(actor, m, unit.region_code)}
        for m in unit.members.all().order_by("sort", "id")
    ]
    context = {
        "page_title": unit.name,
        "unit": unit,
        "members": members,
        "children": unit.children.select_related("region").order_by("region_code", "name"),
        "can_edit": actor.can_write(Perm.REGION_EDIT, unit.region_code),
        "member_form": MemberForm(),
    }
    return render(request, "regions/command_unit_detail.html", context)


@require_http_methods(["GET", "POST"])
def command_unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    unit = selectors.access_command_unit(actor, pk)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    choices = _parent_choices(actor, unit.region, unit.pk)
    status = 200
    if request.method == "POST":
        form = CommandUnitForm(request.POST, parent_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            posted = form_post(
                form,
                lambda: services.command_unit_update(
                    actor=actor,
                    pk=unit.pk,
                    version=data["version"],
                    name=data["name"],
                    kind=data["kind"],
                    parent_id=data["parent"],
                    duties=data["duties"],
                ),
            )
            saved = posted.value
            if posted.conflict:
                status = 409
            if saved:
                messages.success(request, "已保存。")
                return redirect("regions:command_unit", pk=unit.pk)
    else:
        form = CommandUnitForm(
            initial={
                "version": unit.version,
                "name": unit.name,
                "kind": unit.kind,
                "parent": unit.parent_id,
                "duties": unit.duties,
            },
            parent_choices=choices,
        )
    context = {"page_title": f"编辑：{unit.name}", "region": unit.region, "form": form}
    return render(request, "regions/command_unit_form.html", context, status=status)


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    unit = selectors.access_command_unit(actor, pk)
    actor.require_write(Perm.REGION_EDIT, unit.region_code)
    form = MemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        member = form_post(
            form,
            lambda: services.command_unit_member_add(
                actor=actor,
                unit_id=unit.pk,
                name=data["name"],
                position=data["position"],
                phone=data["phone"],
                sort=data["sort"] or 0,
            ),
        ).value
        if member:
            messages.success(request, f"已添加成员“{member.name}”。")
            return redirect("regions:command_unit", pk=unit.pk)
    for error in form.errors.values():
        messages.error(request, "；".join(str(e) for e in error))
    return redirect("regions:command_unit", pk=unit.pk)


@require_POST
def member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    services.command_unit_member_remove(actor=actor_of(request), unit_id=pk, member_id=member_id)
    messages.success(request, "已移除成员。")
    return redirect("regions:command_unit", pk=pk)


# --- organisations ---------------------------------------------------------------------------


def organisations(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.region_codes(Perm.ORG_VIEW):
        raise PermissionDenied()
    region_code = request.GET.get("region", "").strip() or None
    kind = request.GET.get("kind", "").strip() or None
    q = request.GET.get("q", "").strip()
    region = selectors.access_region(actor, region_code, Perm.ORG_VIEW) if region_code else None
    page = _page(
        request, selectors.organisation_list(actor, region_code=region_code, kind=kind, q=q)
    )
    rows = [{"org": o, "phone": reveal.organisation_phone_box(actor, o)} for o in page.object_list]
    context = {
        "page_title": "组织机构",
        "region": region,
        "kind": kind or "",
        "q": q,
        "kinds": OrganisationKind.choices,
        "page": page,
        "rows": rows,
        "can_create": actor.has_perm(Perm.ORG_EDIT) and not actor.is_read_only,
    }
    return render(request, "regions/organisations.html", context)


def _default_region(actor: Actor) -> str:
    codes = actor.region_codes(Perm.ORG_EDIT)
    return codes[0] if len(codes) == 1 else ""


@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    preset = request.GET.get("region", "").strip()
    if preset:
        region = selectors.access_region(actor, preset, Perm.ORG_VIEW)
        actor.require_write(Perm.ORG_EDIT, region.code)
    elif not actor.region_codes(Perm.ORG_EDIT) or actor.is_read_only:
        raise PermissionDenied()
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("version")
            try:
                org = form_post(
                    form, lambda: services.organisation_create(actor=actor, **data)
                ).value
            except NotFound:
                form.add_error("region_code", "区划不存在或不在您的管辖范围内")
                org = None
            if org:
                messages.success(request, f"组织“{org.name}”已创建。")
                return redirect("regions:organisations")
    else:
        form = OrganisationForm(
            initial={"version": 1, "region_code": preset or _default_region(actor)}
        )
    context = {"page_title": "新建组织机构", "form": form}
    return render(request, "regions/organisation_form.html", context)


@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    org = selectors.access_organisation(actor, pk)
    actor.require_write(Perm.ORG_EDIT, org.region_code)
    status = 200
    if request.method == "POST":
        form = OrganisationForm(
            request.POST, editing=True, initial={"region_code": org.region_code}
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("region_code")
            posted = form_post(
                form, lambda: services.organisation_update(actor=actor, pk=org.pk, **data)
            )
            saved = posted.value
            if posted.conflict:
                status = 409
            if saved:
                messages.success(request, f"组织“{saved.name}”已保存。")
                return redirect("regions:organisations")
    else:
        initial = {f: getattr(org, f) for f in OrganisationForm.base_fields}
        initial["contact_phone"] = _phone(actor, org.contact_phone)
        form = OrganisationForm(initial=initial, editing=True)
    context = {"page_title": f"编辑组织机构：{org.name}", "form": form, "org": org}
    return render(request, "regions/organisation_form.html", context, status=status)
