"""Household pages: list (filters, keyset pages), detail with tabs, create/edit, members,
yearly incomes and member changes. Views parse input, call one selector or service, render."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from fupin.core import masking
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.masking import mask_bank_account, mask_phone
from fupin.core.web import form_post
from fupin.core.web.search import search_params, search_redirect
from fupin.registry import codes, identity, privacy, selectors, services
from fupin.registry.forms import (
    HOUSEHOLD_FORM_FIELDS,
    MEMBER_FORM_FIELDS,
    BaseMemberFormSet,
    HouseholdCreateForm,
    HouseholdEditForm,
    HouseholdFilterForm,
    IncomeForm,
    MemberChangeForm,
    MemberEditForm,
    MemberForm,
    MemberFormSet,
    NewMemberForm,
)
from fupin.registry.models import Household
from fupin.registry.validation import Issue

from ..tabs import register_tab, tabs_for
from . import reveal

T = "registry/pages/"


def _can_edit(actor: Actor, household: Household) -> bool:
    return actor.can_write(Perm.HOUSEHOLD_EDIT, household.region_code)


def _warn(request: HttpRequest, warnings: list[Issue]) -> None:
    for issue in warnings:
        messages.warning(request, f"{issue.code} {issue.message}")


# --- list ------------------------------------------------------------------------------------


def _filters(form: HouseholdFilterForm) -> selectors.HouseholdFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.HouseholdFilters(
        region=(data.get("region") or "").strip(),
        status=data.get("status") or "",
        attribute=data.get("attribute") or "",
        cause=data.get("cause") or "",
        any_cause=bool(data.get("any_cause")),
        identified_year=data.get("identified_year"),
        exit_year=data.get("exit_year"),
        rule=(data.get("rule") or "").strip(),
        q=(data.get("q") or "").strip(),
    )


def _size(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("size", selectors.DEFAULT_PAGE_SIZE)), 200))
    except ValueError:
        return selectors.DEFAULT_PAGE_SIZE


def household_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.region_codes(Perm.HOUSEHOLD_VIEW):
        raise PermissionDenied()
    if request.method == "POST":  # the filter form: the term goes to the session, not the URL
        return search_redirect(request)
    params, warning = search_params(request)
    if warning:
        messages.warning(request, warning)
    form = HouseholdFilterForm(params or None)
    filters = _filters(form)
    after = request.GET.get("after") or None
    try:
        page = selectors.household_list(actor, filters=filters, after=after, limit=_size(request))
    except ValidationFailed as exc:  # a stale or edited cursor: start again
        messages.warning(request, exc.message)
        page = selectors.household_list(actor, filters=filters, limit=_size(request))
        after = None
    rows = [{"h": h, "phone": mask_phone(h.phone)} for h in page.items]
    keep = [(k, v) for k, v in request.GET.items() if k != "after" and v]
    next_url = f"?{urlencode([*keep, ('after', page.next_cursor)])}" if page.next_cursor else None
    first_url = f"?{urlencode(keep)}" if after else None
    context = {
        "page_title": "贫困户",
        "form": form,
        "page": page,
        "rows": rows,
        "next_url": next_url,
        "first_url": first_url,
        "can_create": bool(actor.region_codes(Perm.HOUSEHOLD_EDIT)) and not actor.is_read_only,
        "can_full_export": privacy.Sight.everywhere(
            actor, [filters.region] if filters.region else actor.region_codes(Perm.HOUSEHOLD_VIEW)
        ).personal,
        "reveal_reasons": masking.REVEAL_REASONS,
    }
    return render(request, T + "household_list.html", context)


# --- detail and its tabs ---------------------------------------------------------------------


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = selectors.household_detail(actor, pk)
    tabs = tabs_for(actor, household.region_code)
    key = request.GET.get("tab") or (tabs[0].key if tabs else "")
    tab = next((t for t in tabs if t.key == key), tabs[0] if tabs else None)
    context: dict[str, Any] = {
        "page_title": f"{household.head_name}户（{household.household_no}）",
        "household": household,
        "tabs": tabs,
        "tab": tab,
        "actor": actor,
        "can_edit": _can_edit(actor, household),
    }
    if tab is not None:
        context.update(tab.context_fn(request, actor, household))
    return render(request, T + "household_detail.html", context)


def _basic(request: HttpRequest, actor: Actor, household: Household) -> dict[str, Any]:
    sight = privacy.Sight.of(actor, household.region_code)
    return {"reveal": reveal.household_widgets(household, can_reveal=sight.personal)}


def _members(request: HttpRequest, actor: Actor, household: Household) -> dict[str, Any]:
    today = timezone.localdate()
    sight = privacy.Sight.of(actor, household.region_code)
    return {
        "member_rows": [
            {
                "m": m,
                "facts": privacy.member_facts(sight, m, today),
                "id": reveal.member_widget(m, can_reveal=sight.personal),
            }
            for m in selectors.members_of(household)
        ],
        "sight": sight,
        "hidden": privacy.HIDDEN,
    }


def _nothing(request: HttpRequest, actor: Actor, household: Household) -> dict[str, Any]:
    return {}


def _incomes(request: HttpRequest, actor: Actor, household: Household) -> dict[str, Any]:
    return {"income_rows": selectors.income_rows(household), "this_year": timezone.localdate().year}


def _doubts(request: HttpRequest, actor: Actor, household: Household) -> dict[str, Any]:
    return {"doubts": selectors.doubts_of(household)}


def _changes(request: HttpRequest, actor: Actor, household: Household) -> dict[str, Any]:
    return {
        "change_rows": [
            {"c": c, "details": selectors.change_details(c)}
            for c in selectors.changes_of(household)
        ]
    }


def change_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A change's evidence file, served only inside the jurisdiction (never a public URL)."""
    change = selectors.access_change(actor_of(request), pk)
    if not change.evidence:
        raise NotFound()
    name = (change.evidence.name or "evidence").rsplit("/", 1)[-1]
    return FileResponse(change.evidence.open("rb"), filename=name)


register_tab("基本信息", T + "_tab_basic.html", _basic, Perm.HOUSEHOLD_VIEW, key="basic", order=10)
register_tab("家庭成员", T + "_tab_members.html", _members, key="members", order=20)
register_tab("生产生活条件", T + "_tab_conditions.html", _nothing, key="conditions", order=30)
register_tab("年度收入", T + "_tab_incomes.html", _incomes, key="incomes", order=40)
register_tab("疑点", T + "_tab_doubts.html", _doubts, key="doubts", order=50)
register_tab("变更记录", T + "_tab_changes.html", _changes, key="changes", order=60)
register_tab("历史", T + "_tab_history.html", _nothing, Perm.AUDIT_VIEW, key="history", order=70)


# --- create and edit -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    villages = selectors.villages_for_entry(actor)
    if not villages:
        raise PermissionDenied("您没有录入建档立卡户的权限")
    if request.method == "POST":
        form = HouseholdCreateForm(request.POST, villages=villages)
        formset = MemberFormSet(request.POST, prefix="members")
        if form.is_valid() and formset.is_valid() and _check_ids(actor, formset.forms):
            result = form_post(
                form,
                lambda: services.household_create(
                    actor=actor,
                    village_code=form.cleaned_data["village_code"],
                    data=form.data_for_service(),
                    members=cast(BaseMemberFormSet, formset).members(),
                ),
            ).value
            if result is not None:
                messages.success(request, "贫困户已登记。")
                _warn(request, result.warnings)
                return redirect("registry:household_detail", pk=result.household.pk)
    else:
        form = HouseholdCreateForm(
            initial={"village_code": request.GET.get("village", "")}, villages=villages
        )
        formset = MemberFormSet(prefix="members")
    context = {"page_title": "登记贫困户", "form": form, "formset": formset}
    return render(request, T + "household_form.html", context)


def _check_ids(actor: Actor, forms: list[Any], exclude: int | None = None) -> bool:
    """Put "already registered in household …" next to each clashing ID number field."""
    ok = True
    for f in forms:
        number = getattr(f, "cleaned_data", {}).get("id_number")
        if not number:
            continue
        message = services.duplicate_id_message(
            actor, identity.lookup_hash(number), exclude_member_id=exclude
        )
        if message:
            f.add_error("id_number", message)
            ok = False
    return ok


@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = selectors.access_household(actor, pk)
    services.require_write(actor, household.region_code)
    status = 200
    # The record's values also on POST: a code item stopped since stays choosable here. The
    # phone and bank account are never put in the form (masked placeholders instead).
    initial = {f: getattr(household, f) for f in HOUSEHOLD_FORM_FIELDS}
    masked = {
        "phone": mask_phone(household.phone),
        "bank_account": mask_bank_account(household.bank_account),
    }
    if request.method == "POST":
        form = HouseholdEditForm(request.POST, initial=initial, masked=masked)
        if form.is_valid():
            posted = form_post(
                form,
                lambda: services.household_update(
                    actor=actor,
                    pk=household.pk,
                    version=form.cleaned_data["version"],
                    data=form.data_for_service(),
                    reason=form.cleaned_data.get("reason") or "",
                ),
            )
            if posted.conflict:
                status = 409
            if posted.ok:
                messages.success(request, "贫困户信息已保存。")
                _warn(request, posted.value.warnings)  # type: ignore[union-attr]
                return redirect("registry:household_detail", pk=household.pk)
    else:
        form = HouseholdEditForm(initial={**initial, "version": household.version}, masked=masked)
    context = {"page_title": f"编辑：{household}", "form": form, "household": household}
    return render(request, T + "household_edit.html", context, status=status)


# --- members ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = selectors.access_household(actor, pk)
    services.require_write(actor, household.region_code)
    if request.method == "POST":
        form = MemberForm(request.POST)
        if form.is_valid() and _check_ids(actor, [form]):
            result = form_post(
                form,
                lambda: services.member_add(
                    actor=actor, household_id=household.pk, data=form.data_for_service()
                ),
            ).value
            if result is not None:
                messages.success(request, f"成员 {result[0].name} 已添加。")
                _warn(request, result[1])
                return _to_tab(household, "members")
    else:
        form = MemberForm()
    context = {"page_title": f"添加成员：{household}", "form": form, "household": household}
    return render(request, T + "member_form.html", context)


@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    member = services.access_member(actor, pk)
    household = member.household
    services.require_write(actor, household.region_code)
    status = 200
    initial = {f: getattr(member, f) for f in MEMBER_FORM_FIELDS}
    if request.method == "POST":
        form = MemberEditForm(request.POST, initial=initial)
        if form.is_valid() and _check_ids(actor, [form], exclude=member.pk):
            posted = form_post(
                form,
                lambda: services.member_update(
                    actor=actor,
                    member_id=member.pk,
                    version=form.cleaned_data["version"],
                    data=form.data_for_service(),
                    reason=form.cleaned_data.get("reason") or "",
                ),
            )
            if posted.conflict:
                status = 409
            if posted.ok:
                saved, warnings = posted.value  # type: ignore[misc]
                messages.success(request, f"成员 {saved.name} 已保存。")
                _warn(request, warnings)
                return _to_tab(household, "members")
    else:
        form = MemberEditForm(initial={**initial, "version": member.version})
    context = {
        "page_title": f"编辑成员：{member.name}",
        "form": form,
        "household": household,
        "member": member,
        "id_shown": member.id_masked,
    }
    return render(request, T + "member_form.html", context, status=status)


def _to_tab(household: Household, tab: str) -> HttpResponse:
    url = reverse("registry:household_detail", kwargs={"pk": household.pk})
    return redirect(f"{url}?tab={tab}")


# --- incomes ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def income_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    actor = actor_of(request)
    household = selectors.access_household(actor, pk)
    services.require_write(actor, household.region_code)
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年度无效")
    existing = household.incomes.filter(year=year).first()
    status = 200
    if request.method == "POST":
        form = IncomeForm(request.POST)
        if form.is_valid():
            posted = form_post(
                form,
                lambda: services.income_save(
                    actor=actor,
                    household_id=household.pk,
                    year=year,
                    version=form.cleaned_data["version"],
                    amounts=form.amounts(),
                    size=form.cleaned_data.get("size"),
                ),
            )
            if posted.conflict:
                status = 409
            if posted.ok:
                messages.success(request, f"{year} 年度收入已保存。")
                return _to_tab(household, "incomes")
    else:
        initial: dict[str, Any] = {"version": 0}
        if existing is not None:
            initial = {f: getattr(existing, f) for f in IncomeForm.base_fields}
        form = IncomeForm(initial=initial)
    poverty, monitoring = services.line_lookup(household.region_code)
    context = {
        "page_title": f"{year} 年度收入：{household}",
        "form": form,
        "household": household,
        "year": year,
        "poverty_line": poverty(year),
        "monitoring_line": monitoring(year),
    }
    return render(request, T + "income_form.html", context, status=status)


# --- member changes --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def change_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = selectors.access_household(actor, pk)
    services.require_write(actor, household.region_code)
    current = selectors.members_of(household, current_only=True)
    if request.method == "POST":
        form = MemberChangeForm(request.POST, request.FILES, members=current)
        kind = request.POST.get("kind", "")
        correction = kind == codes.MemberChangeKind.CORRECTION
        member_form = NewMemberForm(request.POST, correction=correction)
        if form.is_valid() and member_form.is_valid():
            joining = kind in codes.JOINING_KINDS
            new_member = member_form.values() if joining or correction else None
            result = form_post(
                form,
                lambda: services.member_change(
                    actor=actor,
                    household_id=household.pk,
                    kind=form.cleaned_data["kind"],
                    occurred_on=form.cleaned_data["occurred_on"],
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data.get("evidence"),
                    member_id=form.cleaned_data.get("member"),
                    new_member=new_member,
                    new_head_id=form.cleaned_data.get("new_head"),
                ),
            ).value
            if result is not None:
                change, warnings = result
                messages.success(request, f"成员变更（{change.get_kind_display()}）已登记。")
                _warn(request, warnings)
                return _to_tab(household, "changes")
    else:
        form = MemberChangeForm(
            initial={"kind": request.GET.get("kind", ""), "member": request.GET.get("member")},
            members=current,
        )
        member_form = NewMemberForm()
    context = {
        "page_title": f"成员变更：{household}",
        "form": form,
        "member_form": member_form,
        "household": household,
    }
    return render(request, T + "change_form.html", context)
