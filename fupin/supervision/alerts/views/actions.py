"""POST endpoints and downloads of the alert pages. Each checks the alert's jurisdiction first
(404 outside), then the write permission (403 for read-only roles), then calls one engine or
service function. A failed step keeps the user on the alert page with the Chinese message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import NotFound, PermissionDenied
from fupin.core.web import form_post, show_errors
from fupin.supervision import engine
from fupin.supervision.alerts import documents, selectors, services
from fupin.supervision.alerts.flows import FLOW
from fupin.supervision.alerts.forms import AlertStepForm, RectificationForm, RunForm
from fupin.supervision.alerts.models import Alert, RectificationFile
from fupin.supervision.alerts.views.common import T, detail_context, sweep_grants
from fupin.supervision.alerts.views.pages import rules_context
from fupin.workflows import engine as wf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _writable_alert(actor: Actor, pk: int) -> Alert:
    alert = services.access_alert(actor, pk)
    actor.require_write(Perm.ALERT_ACT, alert.region_code, "只读角色不能处置预警")
    return alert


def _page(request: HttpRequest, actor: Actor, pk: int, status: int, **forms: Any) -> HttpResponse:
    """The alert page again, freshly loaded, with the failed form and its messages."""
    alert = services.access_alert(actor, pk)
    return render(request, T + "detail.html", detail_context(actor, alert, **forms), status=status)


@require_POST
def rules_run(request: HttpRequest) -> HttpResponse:
    """立即巡检: every rule over the chosen region (county level or above)."""
    actor = actor_of(request)
    form = RunForm(request.POST or None)
    raw = form.data.get("region") or request.GET.get("region") or ""
    grants = sweep_grants(actor)
    region = selectors.chosen_region(actor, raw or (grants[0].region_code if grants else None))
    actor.require_write(Perm.ALERT_ACT, region, "只读角色不能发起巡检")
    if not any(region.startswith(g.region_code) for g in grants):
        raise PermissionDenied("立即巡检须由县级及以上扶贫部门发起")
    results = engine.sweep(region_code=region)
    opened = sum(r.opened for r in results)
    cleared = sum(r.cleared for r in results)
    messages.success(
        request,
        f"巡检完成（{selectors.region_name(region)}）：新增预警 {opened} 条，"
        f"仍存在 {sum(r.refreshed for r in results)} 条，条件消除 {cleared} 条。",
    )
    return render(request, T + "rules.html", rules_context(request, region, results))


@require_POST
def alert_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    actor = actor_of(request)
    alert = _writable_alert(actor, pk)
    step = FLOW.step(name)
    if step.system:
        raise PermissionDenied(f"“{step.label}”由系统自动办理")
    form = AlertStepForm(request.POST, step=step)
    if form.is_valid():
        posted = form_post(
            form,
            lambda: wf.case_transition(
                actor=actor,
                case_id=alert.case_id,
                step=step.name,
                version=form.cleaned_data["version"],
                comment=form.cleaned_data.get("comment") or "",
                data=form.step_data(),
            ),
            place=show_errors,
            conflict_on_form=False,
        )
        if posted.conflict:
            messages.error(request, posted.conflict.message)
            return _page(request, actor, pk, 409)
        if posted.ok:
            messages.success(request, f"已办理“{step.label}”。")
            return redirect("supervision:alert_detail", pk=alert.pk)
    return _page(request, actor, pk, 200, step_forms={step.name: form})


@require_POST
def alert_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    alert = _writable_alert(actor, pk)
    form = RectificationForm(request.POST, request.FILES)
    if form.is_valid():
        posted = form_post(
            form,
            lambda: services.rectification_submit(
                actor=actor,
                alert_id=alert.pk,
                content=form.cleaned_data["content"],
                files=form.cleaned_data.get("attachments") or [],
            ),
            place=lambda f, e: show_errors(f, e, rename={"files": "attachments"}),
            catch_conflict=False,
        )
        if posted.ok:
            messages.success(request, "整改情况已保存。材料齐全后请点击“提交整改情况”报上级核验。")
            return redirect("supervision:alert_detail", pk=alert.pk)
    return _page(request, actor, pk, 200, rectification_form=form)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.access_notice(actor_of(request), pk)
    return _download(documents.notice_pdf(notice), "application/pdf", f"督办通知书-{notice.pk}.pdf")


@require_GET
def notice_docx(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.access_notice(actor_of(request), pk)
    return _download(documents.notice_docx(notice), DOCX, f"督办通知书-{notice.pk}.docx")


@require_GET
def rectification_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, served only inside the jurisdiction (never a public media URL);
    photos inline (thumbnails), other files as downloads."""
    item = RectificationFile.objects.select_related("rectification__alert").filter(pk=pk).first()
    if item is None or not item.file:
        raise NotFound()
    services.access_alert(actor_of(request), item.rectification.alert_id)
    return FileResponse(item.file.open("rb"), filename=item.name, as_attachment=not item.is_photo)
