"""Export downloads: thin handlers shared by the page and the API."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from fupin.core.access import Actor, actor_of
from fupin.core.errors import ValidationFailed
from fupin.core.web.search import search_params

from ..io import export


def download(actor: Actor, params: Mapping[str, Any]) -> HttpResponse | StreamingHttpResponse:
    """The filtered, scoped, masked household list as .xlsx (default) or .csv."""
    filters = export.filters_from_params(params)
    fmt = str(params.get("format") or "xlsx").lower()
    if fmt not in export.FORMATS:
        raise ValidationFailed("导出格式应为 xlsx 或 csv", errors={"format": ["无效的取值"]})
    stem = export.file_stem(actor, filters)
    if fmt == "csv":
        encoding = str(params.get("encoding") or "utf-8")
        chunks = export.csv_stream(actor, filters, encoding=encoding)
        charset = "utf-8" if export.ENCODINGS[encoding.lower()] == "utf-8" else "gb18030"
        response = StreamingHttpResponse(chunks, content_type=f"text/csv; charset={charset}")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{stem}.csv"
        )
        return response
    # xlsx is a zip and cannot stream: build it in a temporary file (rows go to disk as they
    # are written), then send the file; the unlinked file disappears when the response closes.
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="fupin-export-")
    os.close(handle)
    try:
        export.write_xlsx(actor, filters, path)
        stream = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        os.unlink(path)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{stem}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def household_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    # The list's export links carry its search only as a session key (fupin.core.web.search).
    params, warning = search_params(request)
    if warning:
        raise ValidationFailed(warning, errors={"q": [warning]})
    return download(actor_of(request), params)
