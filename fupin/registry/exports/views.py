"""Export downloads: thin handlers shared by the page and the API.

The masked export is a GET. The 「含完整身份信息」 export (`full`) is for holders of
PERSONAL_DATA_VIEW over the whole exported scope (403 otherwise), needs a reason (422
otherwise) and writes an audit row (who, what, when, why) before the file is sent; on the
page it is a POST from the list's export menu."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from fupin.audit.services import access_record
from fupin.core import masking
from fupin.core.access import Actor, actor_of
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.web.search import search_params

from .. import privacy
from ..io import export, marks
from ..models import Household
from . import records

KIND = "registry.households"
FULL_VALUES = ("1", "true", "on", "True")


def _full_export_reason(actor: Actor, filters: Any, params: Mapping[str, Any]) -> str:
    """The reason of a full export after checking the right over the whole scope."""
    export.export_queryset(actor, filters)  # 404 outside the jurisdiction first
    if not privacy.Sight.everywhere(actor, export.export_scope(actor, filters)).personal:
        raise PermissionDenied("您没有导出完整身份信息的权限")
    return masking.reveal_reason(
        str(params.get("reason_choice") or ""), str(params.get("reason") or "")
    )


def _record_full_export(
    actor: Actor, filters: Any, fmt: str, reason: str, rows: int | None = None
) -> None:
    access_record(
        actor=actor,
        table=Household._meta.db_table,
        object_pk=None,
        detail={
            "kind": "export",
            "export": "含完整身份信息",
            "format": fmt,
            "scope": export.export_scope(actor, filters),
            "filters": {k: v for k, v in asdict(filters).items() if v not in ("", None, False)},
            "rows": rows,
        },
        reason=reason,
    )


def download(actor: Actor, params: Mapping[str, Any]) -> HttpResponse | StreamingHttpResponse:
    """The filtered, scoped household list as .xlsx (default) or .csv: masked, or with full
    identity data when `full` is asked (see the module docstring). Every export leaves an
    ExportRecord (`records`): done, or failed when it was cut short."""
    filters = export.filters_from_params(params)
    fmt = str(params.get("format") or "xlsx").lower()
    if fmt not in export.FORMATS:
        raise ValidationFailed("导出格式应为 xlsx 或 csv", errors={"format": ["无效的取值"]})
    full = str(params.get("full") or "") in FULL_VALUES
    reason = _full_export_reason(actor, filters, params) if full else ""
    stem = export.file_stem(actor, filters) + ("_含完整身份信息" if full else "")
    record_params = {
        **{k: v for k, v in asdict(filters).items() if v not in ("", None, False)},
        **({"full": True} if full else {}),
    }
    if fmt == "csv":
        encoding = str(params.get("encoding") or "utf-8")
        written = export.Written()
        chunks = export.csv_stream(actor, filters, encoding=encoding, full=full, written=written)
        if full:  # recorded before the first byte leaves
            _record_full_export(actor, filters, fmt, reason)
        record = records.export_start(
            actor=actor,
            kind=KIND,
            params={**record_params, "encoding": encoding},
            fmt=fmt,
            file_name=f"{stem}.csv",
            expected=export.expected_totals(actor, filters),
        )
        charset = "utf-8" if export.ENCODINGS[encoding.lower()] == "utf-8" else "gb18030"
        response = StreamingHttpResponse(
            records.tracked(record, chunks, written.totals),
            content_type=f"text/csv; charset={charset}",
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{stem}.csv"
        )
        return response
    # xlsx is a zip and cannot stream: build it in a temporary file (rows go to disk as they
    # are written), then send the file; the unlinked file disappears when the response closes.
    record = records.export_start(
        actor=actor,
        kind=KIND,
        params=record_params,
        fmt=fmt,
        file_name=f"{stem}.xlsx",
        expected=export.expected_totals(actor, filters),
    )
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="fupin-export-")
    os.close(handle)
    try:
        try:
            households, members = export.write_xlsx(actor, filters, path, full=full)
        except Exception:
            records.export_finish(
                record=record,
                ok=False,
                written=marks.Totals(0, 0, 0),
                sha256="",
                size=0,
                message="导出失败，未生成文件",
            )
            raise
        if full:
            _record_full_export(actor, filters, fmt, reason, rows=members)
        stream = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
        records.export_finish(
            record=record,
            ok=True,
            written=marks.Totals(households, members, households + members),
            sha256=_file_sha256(stream),
            size=os.fstat(stream.fileno()).st_size,
        )
    finally:
        os.unlink(path)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{stem}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _file_sha256(stream: Any) -> str:
    digest = hashlib.sha256()
    while block := stream.read(1 << 20):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


@require_http_methods(["GET", "POST"])
def household_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """GET: the masked export. POST (the full export's form, CSRF-checked): the list's
    filters from the query string, `full`, the format and the reason from the form. The
    list's links carry its search only as a session key (fupin.core.web.search)."""
    query, warning = search_params(request)
    if warning:
        raise ValidationFailed(warning, errors={"q": [warning]})
    params = query.dict()
    if request.method == "POST":
        return download(actor_of(request), {**params, **request.POST.dict()})
    params.pop("full", None)  # a full export is never a link
    return download(actor_of(request), params)


@require_http_methods(["GET"])
def export_records(request: HttpRequest) -> HttpResponse:
    """The user's own latest exports and whether each ended whole (「导出中断」 otherwise)."""
    actor = actor_of(request)
    return render(
        request, "registry/exports/records.html", {"records": records.recent_exports(actor)}
    )
