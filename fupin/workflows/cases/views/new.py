"""Opening a case of each type (/cases/new/<kind>/). Household cases pick the household
first (?household=<id>, or by 户编号); the service decides whether it may be opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.web import show_errors
from fupin.regions.models import Level, Region, VillageProfile
from fupin.registry import selectors as registry_selectors
from fupin.registry.forms import BaseMemberFormSet, MemberFormSet, StyledForm
from fupin.registry.models import Household
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.cases.forms import (
    HouseholdPickForm,
    IdentificationForm,
    MemberChangeCaseForm,
    MonitoringForm,
    ReasonForm,
    RegionExitForm,
)
from fupin.workflows.cases.models import Case
from fupin.workflows.cases.views.common import T, creator_grants

HOUSEHOLD_KINDS = ("household_exit", "return_poverty", "member_change", "monitoring")


def _require_creator(actor: Actor, flow: engine.Flow) -> list[Any]:
    grants = creator_grants(actor, flow)
    if not grants:
        roles = "、".join(engine.ROLE_NAMES.get(r, r) for r in sorted(flow.create_roles))
        level = engine.LEVEL_NAMES.get(flow.create_level, "")
        raise PermissionDenied(f"“{flow.label}”须由{level}{roles}发起，您当前的身份不能发起")
    return grants


def _run(form: StyledForm, call: Callable[[], Case]) -> Case | None:
    try:
        return call()
    except ValidationFailed as exc:
        show_errors(form, exc)
    except Conflict as exc:
        form.add_error(None, exc.message)
    return None


def _done(request: HttpRequest, flow: engine.Flow, case: Case) -> HttpResponse:
    messages.success(request, f"已发起“{flow.label}”，办件编号 {case.case_no}。")
    return redirect("workflows:case_detail", pk=case.pk)


def _household_by_no(actor: Actor, number: str) -> Household | None:
    return (
        Household.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code"))
        .filter(household_no=number.strip())
        .first()
    )


@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, kind: str) -> HttpResponse:
    actor = actor_of(request)
    flow = engine.FLOWS.get(kind)
    if flow is None:
        raise NotFound("办件类型不存在")
    grants = _require_creator(actor, flow)
    context: dict[str, Any] = {"page_title": f"发起{flow.label}", "flow": flow}
    if kind == "identification":
        return _identification(request, actor, flow, context)
    if kind in ("village_exit", "county_exit"):
        return _region_exit(request, actor, flow, grants, context)
    raw = request.POST.get("household") or request.GET.get("household") or ""
    household = None
    if raw.isdigit():
        household = registry_selectors.access_household(actor, int(raw), Perm.CASE_VIEW)
    if household is None:
        return _pick(request, actor, flow, context)
    context["household"] = household
    handler = {
        "household_exit": _reason_case,
        "return_poverty": _reason_case,
        "member_change": _member_change,
        "monitoring": _monitoring,
    }[kind]
    return handler(request, actor, flow, household, context)


def _pick(
    request: HttpRequest, actor: Actor, flow: engine.Flow, context: dict[str, Any]
) -> HttpResponse:
    form = HouseholdPickForm(request.GET if "household_no" in request.GET else None)
    if form.is_valid():
        household = _household_by_no(actor, form.cleaned_data["household_no"])
        if household is not None:
            return redirect(f"{request.path}?household={household.pk}")
        form.add_error("household_no", "您的辖区内没有该户编号的农户")
    context["pick_form"] = form
    return render(request, T + "new.html", context)


def _reason_case(
    request: HttpRequest,
    actor: Actor,
    flow: engine.Flow,
    household: Household,
    context: dict[str, Any],
) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if flow.kind == "household_exit":
            case = _run(
                form,
                lambda: services.exit_propose(
                    actor=actor, household_id=household.pk, reason=reason
                ),
            )
        else:
            case = _run(
                form,
                lambda: services.return_report(
                    actor=actor, household_id=household.pk, reason=reason
                ),
            )
        if case is not None:
            return _done(request, flow, case)
    context["form"] = form
    return render(request, T + "new.html", context)


def _member_change(
    request: HttpRequest,
    actor: Actor,
    flow: engine.Flow,
    household: Household,
    context: dict[str, Any],
) -> HttpResponse:
    members = registry_selectors.members_of(household, current_only=True)
    form = MemberChangeCaseForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        case = _run(
            form,
            lambda: services.member_change_request(
                actor=actor,
                household_id=household.pk,
                payload=form.payload(),
                evidence=form.cleaned_data.get("evidence"),
            ),
        )
        if case is not None:
            return _done(request, flow, case)
    context.update(form=form, multipart=True)
    return render(request, T + "new.html", context)


def _monitoring(
    request: HttpRequest,
    actor: Actor,
    flow: engine.Flow,
    household: Household,
    context: dict[str, Any],
) -> HttpResponse:
    form = MonitoringForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        declaration = services.Declaration(
            reason=data["reason"],
            risk_types=list(data["risk_types"]),
            category=data.get("category") or "",
            medical_expense=data.get("medical_expense"),
        )
        case = _run(
            form,
            lambda: services.monitoring_report(
                actor=actor, household_id=household.pk, declaration=declaration
            ),
        )
        if case is not None:
            return _done(request, flow, case)
    context["form"] = form
    return render(request, T + "new.html", context)


def _identification(
    request: HttpRequest, actor: Actor, flow: engine.Flow, context: dict[str, Any]
) -> HttpResponse:
    villages = registry_selectors.villages_for_entry(actor)
    if not villages:
        raise PermissionDenied("您没有录入农户的权限")
    if request.method == "POST":
        form = IdentificationForm(request.POST, villages=villages)
        formset = MemberFormSet(request.POST, prefix="members")
        if form.is_valid() and formset.is_valid():
            case = _run(
                form,
                lambda: services.identification_apply(
                    actor=actor,
                    village_code=form.cleaned_data["village_code"],
                    data=form.data_for_service(),
                    members=cast(BaseMemberFormSet, formset).members(),
                    reason=form.cleaned_data["reason"],
                ),
            )
            if case is not None:
                return _done(request, flow, case)
    else:
        form = IdentificationForm(
            initial={"village_code": request.GET.get("village", "")}, villages=villages
        )
        formset = MemberFormSet(prefix="members")
    context.update(form=form, formset=formset)
    return render(request, T + "new_identification.html", context)


def _region_exit(
    request: HttpRequest,
    actor: Actor,
    flow: engine.Flow,
    grants: list[Any],
    context: dict[str, Any],
) -> HttpResponse:
    scope = Q(pk__in=[])
    for grant in grants:
        scope |= Q(code__startswith=grant.region_code)
    if flow.kind == "village_exit":
        poor = VillageProfile.objects.filter(is_poor_village=True, exit_year__isnull=True)
        regions = list(
            Region.objects.filter(
                scope, level=Level.VILLAGE, code__in=poor.values("region_id")
            ).order_by("code")[:3000]
        )
        context["note"] = "列出辖区内尚未退出的建档立卡贫困村。"
    else:
        regions = list(Region.objects.filter(scope, level=Level.COUNTY).order_by("code"))
    form = RegionExitForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        code, reason = form.cleaned_data["region"], form.cleaned_data["reason"]
        if flow.kind == "village_exit":
            case = _run(
                form,
                lambda: services.village_exit_propose(
                    actor=actor, village_code=code, reason=reason
                ),
            )
        else:
            case = _run(
                form,
                lambda: services.county_exit_apply(actor=actor, county_code=code, reason=reason),
            )
        if case is not None:
            return _done(request, flow, case)
    context["form"] = form
    return render(request, T + "new.html", context)
