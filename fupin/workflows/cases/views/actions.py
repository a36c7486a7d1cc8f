"""POST endpoints of the case page and the queue. Each checks the case's jurisdiction and
write permission first (404 outside, 403 read-only), then calls one engine or service
function. A failed step keeps the user on the case page with the Chinese message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.web import form_post, show_errors
from fupin.core.web.reveal import reveal_answer
from fupin.workflows import engine
from fupin.workflows.cases import privacy, selectors, services
from fupin.workflows.cases.forms import (
    BatchForm,
    DocumentForm,
    LinkForm,
    OverrideForm,
    ResolveForm,
    StepForm,
)
from fupin.workflows.cases.models import Case
from fupin.workflows.cases.views.common import (
    T,
    declarant_box,
    detail_context,
    require_case_view,
)
from fupin.workflows.cases.views.pages import batch_steps
from fupin.workflows.flows import household_exit
from fupin.workflows.notices import services as notices

MAX_LISTED_FAILURES = 20


def _writable_case(actor: Actor, pk: int) -> Case:
    case = selectors.access_case(actor, pk)
    actor.require_write(Perm.CASE_ACT, case.region_code, "只读角色不能办理案件")
    return case


def _page(request: HttpRequest, actor: Actor, pk: int, status: int, **forms: Any) -> HttpResponse:
    """The case page again, freshly loaded, with the failed form and its messages."""
    case = selectors.access_case(actor, pk)
    return render(request, T + "detail.html", detail_context(actor, case, **forms), status=status)


def _conflict(request: HttpRequest, actor: Actor, pk: int, exc: Conflict) -> HttpResponse:
    messages.error(request, exc.message)
    return _page(request, actor, pk, 409)


@require_POST
def case_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    actor = actor_of(request)
    case = _writable_case(actor, pk)
    step = engine.flow_of(case.kind).step(name)
    form = StepForm(request.POST, step=step)
    if form.is_valid():
        posted = form_post(
            form,
            lambda: engine.case_transition(
                actor=actor,
                case_id=case.pk,
                step=step.name,
                version=form.cleaned_data["version"],
                comment=form.cleaned_data.get("comment") or "",
                data=form.step_data(),
            ),
            place=show_errors,
            conflict_on_form=False,
        )
        if posted.conflict:
            return _conflict(request, actor, pk, posted.conflict)
        if posted.ok:
            messages.success(request, f"已办理“{step.label}”。")
            return redirect("workflows:case_detail", pk=case.pk)
    return _page(request, actor, pk, 200, step_forms={step.name: form})


@require_POST
def case_batch(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_case_view(actor)
    kind, state = request.POST.get("kind", ""), request.POST.get("state", "")
    back = reverse("workflows:queue") + f"?kind={kind}&state={state}"
    if actor.is_read_only:
        raise PermissionDenied("只读角色不能办理案件")
    form = BatchForm(request.POST, steps=batch_steps(actor, kind, state))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    ids = [int(v) for v in request.POST.getlist("cases") if v.isdigit()]
    step = engine.flow_of(kind).step(form.cleaned_data["step"])
    try:
        result = engine.case_batch_transition(
            actor=actor, case_ids=ids, step=step.name, comment=form.cleaned_data["comment"] or ""
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        f"批量办理“{step.label}”：成功 {len(result.done)} 件，失败 {len(result.failed)} 件。",
    )
    numbers = dict(
        selectors.case_list(actor, selectors.CaseFilters(open_only=False))
        .filter(pk__in=list(result.failed)[:MAX_LISTED_FAILURES])
        .values_list("pk", "case_no")
    )
    for i, (case_id, message) in enumerate(result.failed.items()):
        if i == MAX_LISTED_FAILURES:
            messages.error(request, f"另有 {len(result.failed) - i} 件未办理成功，请逐件查看。")
            break
        messages.error(request, f"{numbers.get(case_id, f'#{case_id}')}：{message}")
    return redirect(back)


@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = _writable_case(actor, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        posted = form_post(
            form,
            lambda: engine.case_document_attach(
                actor=actor,
                case=case,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                note=form.cleaned_data.get("note") or "",
            ),
            place=show_errors,
            catch_conflict=False,
        )
        if posted.ok:
            messages.success(request, "材料已上传。")
            return redirect("workflows:case_detail", pk=case.pk)
    return _page(request, actor, pk, 200, document_form=form)


@require_GET
def case_document_file(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    """A case document, served only inside the jurisdiction (never a public media URL)."""
    case = selectors.access_case(actor_of(request), pk)
    document = case.documents.filter(pk=document_id).first()
    if document is None or not document.file:
        raise NotFound()
    return FileResponse(document.file.open("rb"), filename=document.name)


@require_POST
def case_override(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = _writable_case(actor, pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        posted = form_post(
            form,
            lambda: household_exit.exit_criteria_override(
                actor=actor,
                case_id=case.pk,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
            place=show_errors,
            conflict_on_form=False,
        )
        if posted.conflict:
            return _conflict(request, actor, pk, posted.conflict)
        if posted.ok:
            messages.success(request, "未达标放行理由已登记。")
            return redirect("workflows:case_detail", pk=case.pk)
    return _page(request, actor, pk, 200, override_form=form)


@require_POST
def case_link(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = _writable_case(actor, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        posted = form_post(
            form,
            lambda: services.case_household_link(
                actor=actor,
                case_id=case.pk,
                version=form.cleaned_data["version"],
                household_no=form.cleaned_data["household_no"],
            ),
            place=show_errors,
            conflict_on_form=False,
        )
        if posted.conflict:
            return _conflict(request, actor, pk, posted.conflict)
        if posted.ok:
            messages.success(request, "已关联农户。")
            return redirect("workflows:case_detail", pk=case.pk)
    return _page(request, actor, pk, 200, link_form=form)


@require_POST
def objection_resolve(request: HttpRequest, pk: int, objection_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = _writable_case(actor, pk)
    if not case.objections.filter(pk=objection_id).exists():
        raise NotFound()
    form = ResolveForm(request.POST, prefix=f"o{objection_id}")
    if form.is_valid():
        posted = form_post(
            form,
            lambda: notices.objection_resolve(
                actor=actor,
                objection_id=objection_id,
                upheld=form.cleaned_data["upheld"],
                resolution=form.cleaned_data["resolution"],
            ),
            place=show_errors,
            catch_conflict=False,
        )
        if posted.ok:
            messages.success(request, "异议核实结论已登记。")
            return redirect("workflows:case_detail", pk=case.pk)
    return _page(request, actor, pk, 200, resolve_forms={objection_id: form})


@require_POST
def case_declarant_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-declaring person's phone in full, with a reason, recorded (SPEC §10)."""
    actor = actor_of(request)
    case = selectors.access_case(actor, pk)
    box = declarant_box(actor, case)
    if box is None:
        raise NotFound()
    return reveal_answer(
        request,
        box,
        lambda reason: privacy.declarant_phone_reveal(actor=actor, case=case, reason=reason),
    )
