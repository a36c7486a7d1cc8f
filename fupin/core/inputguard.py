"""Bad input is refused at the door, before any view runs: never a 500.

PostgreSQL refuses NUL in text (psycopg raises DataError), so a NUL byte that reaches a query
— in the path, a query parameter, a form field, a cookie (the session key is looked up), a
header the audit stores (User-Agent, X-Forwarded-For) or a JSON body a view reads itself —
was a 500. A body Django cannot parse (a multipart post without a boundary) raises
MultiPartParserError on the first read of request.POST, wherever that read happens; at best
Django's handler turns it into its bare English 400 page, and issue 12's run saw 500s.

`InputGuardMiddleware` (right after SecurityHeadersMiddleware) checks all of that once:

- a NUL anywhere in the input is refused, not stripped: a value that carries one was not
  typed by a person, and quietly changing what a client sent hides the fault from it;
- a body that does not parse as its declared content type is refused.

Pages get a self-contained Chinese 400 page (the guard runs before sessions and users, so
it renders without the shell); the API gets its JSON shape `{code, message}`: a NUL is
`validation_failed` (422) exactly as the API's Schema and `no_nul` answer it, an unreadable
body `bad_request` (400). JSON bodies are parsed here too, so a view that reads
`request.body` itself gets no NUL and no non-finite number either (`bad_value` is the one
check the Schema uses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

from .api.schema import NUL_MESSAGE, bad_value

BAD_BODY_MESSAGE = "提交的数据格式不正确或不完整，请刷新页面后重新提交"
BAD_JSON_MESSAGE = "提交的内容不是有效的 JSON"
TOO_BIG_MESSAGE = "提交的内容过大"
TOO_MANY_MESSAGE = "提交的字段过多"
DEFAULT_MEMORY_LIMIT = 2_621_440  # Django's own default for DATA_UPLOAD_MAX_MEMORY_SIZE
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class BadInput(Exception):
    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


def _nul(*values: Iterable[str]) -> None:
    for group in values:
        if any("\x00" in value for value in group):
            raise BadInput(NUL_MESSAGE, code="validation_failed", status=422)


def _pairs(data: object) -> list[str]:
    """Every key and value of a QueryDict or MultiValueDict (uploads: their file names)."""
    out: list[str] = []
    for key, values in data.lists():  # type: ignore[attr-defined]
        out.append(key)
        out.extend(v if isinstance(v, str) else (getattr(v, "name", "") or "") for v in values)
    return out


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _check_form(request: HttpRequest) -> None:
    """Parse the form once here. A body within DATA_UPLOAD_MAX_MEMORY_SIZE is read first so
    it stays readable: an API operation that takes JSON reads `request.body` after this, and
    Django refuses that once the stream was consumed. A larger one (an import upload) is
    parsed as it streams on pages, as the CSRF check would; on the API it is left to the
    operation, which alone knows whether it wants a form or a body."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_MEMORY_LIMIT
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= limit:
        request.body  # noqa: B018 -- read and cached
    elif request.path_info.startswith("/api/"):
        return
    method = request.method
    if method != "POST":  # Django parses only POST; the API's PUT/PATCH forms too (as ninja)
        request.method = "POST"
    try:
        post, files = request.POST, request.FILES
    finally:
        request.method = method
    _nul(_pairs(post), _pairs(files))


def check(request: HttpRequest) -> None:
    """Raise BadInput for a request no view should see."""
    try:
        _check_query_and_headers(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            _check_body(request)
    except RequestDataTooBig as exc:
        raise BadInput(TOO_BIG_MESSAGE, code="too_large", status=413) from exc
    except TooManyFieldsSent as exc:  # in the query string or the form (Django's limit)
        raise BadInput(TOO_MANY_MESSAGE, code="bad_request", status=400) from exc
    except (MultiPartParserError, SuspiciousOperation, UnicodeError, LookupError) as exc:
        # No or a malformed boundary, a truncated body, a charset Python does not know, too
        # many files.
        raise BadInput(BAD_BODY_MESSAGE, code="bad_request", status=400) from exc


def _check_query_and_headers(request: HttpRequest) -> None:
    _nul(
        [request.path_info, request.path],
        _pairs(request.GET),
        # Every header, cookies included: the session key and the audit's IP and agent are
        # looked up or stored in PostgreSQL. `\000` inside a quoted cookie decodes to NUL.
        [str(v) for k, v in request.META.items() if k.startswith("HTTP_") or k == "CONTENT_TYPE"],
        [*request.COOKIES.keys(), *request.COOKIES.values()],
    )


def _check_body(request: HttpRequest) -> None:
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        _check_form(request)
    elif _is_json(content_type) and request.body:
        try:
            body = json.loads(request.body)
        except ValueError as exc:  # also bad UTF-8: UnicodeDecodeError is a ValueError
            raise BadInput(BAD_JSON_MESSAGE, code="bad_request", status=400) from exc
        message = bad_value(body)
        if message:
            raise BadInput(message, code="validation_failed", status=422)


def refusal(request: HttpRequest, error: BadInput) -> HttpResponse:
    path = request.path_info.replace("\x00", "")
    if path.startswith("/api/"):
        return JsonResponse({"code": error.code, "message": error.message}, status=error.status)
    # Pages answer 400 whatever the API's status: the page says what was wrong.
    status = 413 if error.status == 413 else 400
    html = render_to_string("core/bad_request.html", {"message": error.message})
    return HttpResponse(html, status=status)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            check(request)
        except BadInput as error:
            return refusal(request, error)
        return self.get_response(request)
