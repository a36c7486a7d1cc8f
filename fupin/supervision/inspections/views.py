"""Inspection pages (督查巡查): groups and plans, a plan with its schedule and findings, forms
for groups, plans, visits and findings. Views parse input and call one service or selector;
the services check the jurisdiction (404 outside, 403 for read-only roles)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts.models import User
from fupin.core import params
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.regions.models import Region
from fupin.supervision import inspections as svc
from fupin.supervision.inspections.models import InspectionPlan

T = "supervision/inspections/"


# --- helpers shared by the supervision pages of this module family --------------------------------


def form_data(request: HttpRequest) -> dict[str, Any]:
    """The submitted fields: a form post, or a JSON body (lists kept as lists)."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}
    out: dict[str, Any] = {}
    for key in request.POST:
        values = request.POST.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def parse_date(value: Any, name: str, label: str, errors: dict[str, str]) -> dt.date | None:
    text = str(value or "").strip()
    if not text:
        errors[name] = f"请填写{label}"
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label}格式不正确"
        return None


def require_writer(actor: Actor, message: str) -> None:
    if actor.is_read_only or not actor.has_perm(Perm.ALERT_ACT):
        raise PermissionDenied(message)


def error_context(exc: ValidationFailed, errors: dict[str, str]) -> str:
    errors.update({k: v[0] for k, v in exc.errors.items() if v})
    return exc.message


def alert_url(pk: int) -> str:
    for name in ("supervision:alert", "supervision:alert_detail"):
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return f"/supervision/alerts/{pk}/"


def default_region(actor: Actor) -> str:
    codes = actor.region_codes(Perm.ALERT_ACT)
    return codes[0] if codes else ""


# --- pages ---------------------------------------------------------------------------------------


@require_GET
def inspections(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    region = (request.GET.get("region") or "").strip()
    groups_qs, plans_qs = svc.groups_for(actor), svc.plans_for(actor)
    if region:
        if not region.isdigit():
            raise NotFound()
        actor.require(Perm.ALERT_VIEW, region)
        groups_qs = groups_qs.filter(region_code__startswith=region)
        plans_qs = plans_qs.filter(region_code__startswith=region)
    groups = list(groups_qs.annotate(n_plans=Count("plans")))
    plans = list(
        plans_qs.annotate(
            n_visits=Count("visits", distinct=True),
            n_findings=Count("visits__findings", distinct=True),
            n_closed=Count(
                "visits__findings",
                filter=Q(visits__findings__alert__is_open=False),
                distinct=True,
            ),
        )
    )
    today = timezone.localdate()
    context = {
        "page_title": "督查巡查",
        "region": region,
        "groups": groups,
        "plans": plans,
        "today": today,
        "can_write": actor.has_perm(Perm.ALERT_ACT) and not actor.is_read_only,
    }
    return render(request, T + "list.html", context)


@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor, "只读角色不能组建督查组")
    form: dict[str, Any] = {
        "region": (request.GET.get("region") or "").strip() or default_region(actor),
        "name": "",
        "leader_name": "",
        "member_names": "",
        "members": [],
    }
    if request.method == "GET" and request.GET.get("region"):
        svc.writable_region(actor, form["region"], "只读角色不能组建督查组")
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        data = form_data(request)
        form.update({k: str(data.get(k, "") or "").strip() for k in form if k != "members"})
        form["members"] = as_list(data.get("members"))
        try:
            ids = [int(i) for i in form["members"]]
        except ValueError:
            ids = []
            errors["members"] = "成员选择有误"
        try:
            group = svc.inspection_group_create(
                actor=actor,
                region_code=form["region"],
                name=form["name"],
                leader_name=form["leader_name"],
                member_ids=ids,
                member_names=form["member_names"],
            )
        except ValidationFailed as exc:
            error = error_context(exc, errors)
        else:
            messages.success(request, f"已组建督查组“{group.name}”。")
            return redirect(reverse("supervision:inspections") + f"#group-{group.pk}")
        status = 422
    region_prefix = form["region"] if str(form["region"]).isdigit() else default_region(actor)
    candidates = (
        User.objects.filter(grants__region__code__startswith=region_prefix, is_active=True)
        .distinct()
        .order_by("username")[:200]
        if region_prefix
        else User.objects.none()
    )
    context = {
        "page_title": "组建督查组",
        "form": form,
        "errors": errors,
        "error": error,
        "candidates": candidates,
        "regions": writable_regions(actor),
    }
    return render(request, T + "group_form.html", context, status=status)


def writable_regions(actor: Actor) -> list[Region]:
    """The actor's jurisdiction roots and their direct children (for region pickers)."""
    codes = actor.region_codes(Perm.ALERT_ACT)
    roots = list(Region.objects.filter(code__in=codes).order_by("code"))
    children = list(Region.objects.filter(parent__code__in=codes).order_by("code")[:300])
    return roots + children


@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor, "只读角色不能制定督查计划")
    data = form_data(request) if request.method == "POST" else {}
    group_id = str(data.get("group") or request.GET.get("group") or "").strip()
    if not group_id.isdigit():
        groups = list(svc.groups_for(actor).filter(actor.scope_q(Perm.ALERT_ACT, "region_code")))
        if request.method == "GET" and groups:
            return redirect(reverse("supervision:inspection_plan_new") + f"?group={groups[0].pk}")
        raise ValidationFailed("请先组建督查组")
    group = svc.access_group(actor, int(group_id))
    actor.require_write(Perm.ALERT_ACT, group.region_code, "只读角色不能制定督查计划")
    today = timezone.localdate()
    form: dict[str, Any] = {
        "title": "",
        "frequency": InspectionPlan.Frequency.HALF_MONTH.value,
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=90)).isoformat(),
        "focus": "",
        "targets": [],
        "other_targets": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        form.update({k: str(data.get(k, "") or "").strip() for k in form if k != "targets"})
        form["targets"] = as_list(data.get("targets"))
        start = parse_date(form["start_date"], "start_date", "开始日期", errors)
        end = parse_date(form["end_date"], "end_date", "结束日期", errors)
        codes = form["targets"] + [
            c.strip() for c in form["other_targets"].replace("，", ",").split(",") if c.strip()
        ]
        if not errors and start and end:
            try:
                plan = svc.inspection_plan_create(
                    actor=actor,
                    group_id=group.pk,
                    title=form["title"],
                    frequency=form["frequency"],
                    start_date=start,
                    end_date=end,
                    target_codes=codes,
                    focus=form["focus"],
                )
            except ValidationFailed as exc:
                error = error_context(exc, errors)
            else:
                messages.success(request, f"已制定督查计划“{plan.title}”。")
                return redirect("supervision:inspection_plan", pk=plan.pk)
        else:
            error = "请检查填写的内容"
        status = 422
    context = {
        "page_title": "制定督查计划",
        "group": group,
        "form": form,
        "errors": errors,
        "error": error,
        "frequencies": InspectionPlan.Frequency.choices,
        "children": Region.objects.filter(parent__code=group.region_code).order_by("code"),
    }
    return render(request, T + "plan_form.html", context, status=status)


@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    page = svc.plan_page(actor, pk)
    can_write = actor.can_write(Perm.ALERT_ACT, page.plan.region_code)
    context = {
        "page_title": page.plan.title,
        "p": page,
        "plan": page.plan,
        "today": timezone.localdate(),
        "can_write": can_write,
        "dates": svc.schedule_dates(page.plan),
        "rows": [
            {
                **row.__dict__,
                "alert_link": alert_url(row.finding.alert_id) if row.finding.alert_id else "",
            }
            for row in page.findings
        ],
    }
    return render(request, T + "plan_detail.html", context)


@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    plan = svc.access_plan(actor, pk)
    actor.require_write(Perm.ALERT_ACT, plan.region_code, "只读角色不能登记督查情况")
    today = timezone.localdate()
    targets = list(plan.targets.order_by("code"))
    form: dict[str, Any] = {
        "region": targets[0].code if targets else "",
        "visited_on": min(today, plan.end_date).isoformat(),
        "summary": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        data = form_data(request)
        form.update({k: str(data.get(k, "") or "").strip() for k in form})
        day = parse_date(form["visited_on"], "visited_on", "督查日期", errors)
        if day is not None:
            try:
                visit = svc.inspection_visit_record(
                    actor=actor,
                    plan_id=plan.pk,
                    region_code=form["region"],
                    visited_on=day,
                    summary=form["summary"],
                )
            except ValidationFailed as exc:
                error = error_context(exc, errors)
            else:
                messages.success(request, "已登记督查情况，可继续登记发现的问题。")
                return redirect(
                    reverse("supervision:inspection_plan", args=[plan.pk]) + f"#visit-{visit.pk}"
                )
        else:
            error = "请检查填写的内容"
        status = 422
    villages = Region.objects.filter(
        parent__code__in=[t.code for t in targets], level__gt=3
    ).order_by("code")[:500]
    context = {
        "page_title": "登记督查情况",
        "plan": plan,
        "targets": targets,
        "villages": villages,
        "form": form,
        "errors": errors,
        "error": error,
    }
    return render(request, T + "visit_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    visit = svc.access_visit(actor, pk)
    actor.require_write(Perm.ALERT_ACT, visit.region_code, "只读角色不能登记督查发现问题")
    today = timezone.localdate()
    days = int(params.get("supervision.deadline_days", region_code=visit.region_code))
    form: dict[str, Any] = {
        "description": "",
        "deadline": (today + dt.timedelta(days=days)).isoformat(),
        "household_no": "",
    }
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        data = form_data(request)
        form.update({k: str(data.get(k, "") or "").strip() for k in form})
        deadline = parse_date(form["deadline"], "deadline", "整改期限", errors)
        if deadline is not None:
            try:
                finding = svc.finding_record(
                    actor=actor,
                    visit_id=visit.pk,
                    description=form["description"],
                    deadline=deadline,
                    household_no=form["household_no"],
                )
            except ValidationFailed as exc:
                error = error_context(exc, errors)
            else:
                state = finding.alert.case.state if finding.alert else ""
                note = "已下发督办通知" if state == "noticed" else "待上级下发督办通知"
                messages.success(
                    request,
                    f"已登记问题并转为预警（{note}），整改期限 {finding.deadline:%Y-%m-%d}。",
                )
                return redirect(
                    reverse("supervision:inspection_plan", args=[visit.plan_id]) + "#findings"
                )
        else:
            error = "请检查填写的内容"
        status = 422
    context = {
        "page_title": "登记督查发现问题",
        "visit": visit,
        "plan": visit.plan,
        "form": form,
        "errors": errors,
        "error": error,
    }
    return render(request, T + "finding_form.html", context, status=status)
