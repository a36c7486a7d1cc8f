"""503 with Retry-After instead of a bare error page or a queue of minutes.

Two situations, one answer (JSON `{code, message}` for /api/, a self-contained Chinese page
otherwise), built without touching the database:

- **The database is unavailable** — the server refuses connections, a connection was
  terminated mid-request, a statement timed out: `django.db.OperationalError` /
  `InterfaceError` (psycopg's own classes when raised outside Django's cursor wrapper).
  Django turns an exception raised in any middleware or view into the handler500 response at
  each middleware layer, so no middleware above could catch it: the project's 500 handler
  (`fupin.web.errors.server_error`) asks `database_unavailable()` and answers with
  `unavailable_response()`, and the API's handler does the same for errors inside ninja.
- **Saturation** (`LoadShedMiddleware`, near the top of MIDDLEWARE): a request that waited
  in the queue longer than FUPIN_MAX_QUEUE_WAIT_MS — nginx stamps its arrival in
  `X-Request-Start: t=<seconds>` — or that would take this process past FUPIN_MAX_IN_FLIGHT
  requests at once is turned away at once, so the queue drains instead of growing.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

DB_UNAVAILABLE = ("db_unavailable", "数据库暂时不可用，请稍后重试")
OVERLOADED = ("overloaded", "系统繁忙，请稍后重试")

# Served whatever the load: static files (whitenoise answers them above this middleware
# anyway) and the health check, whose 503 would make a balancer drop a busy but healthy node.
SHED_EXEMPT_PREFIXES = ("/static/", "/healthz")

_UNAVAILABLE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

logger = logging.getLogger(__name__)

ContextProcessor = Callable[[HttpRequest], Mapping[str, Any]]


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (or what it was raised from) says the database cannot be reached."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:  # a chain can loop back on itself
        if isinstance(exc, _UNAVAILABLE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def fail_soft(processor: ContextProcessor) -> ContextProcessor:
    """A template context processor that gives nothing, instead of failing the page, when
    the database cannot be reached: the page the view has already built still renders,
    without the parts of the shell (menu, jurisdiction, inbox bell) that need the database."""

    @functools.wraps(processor)
    def soft(request: HttpRequest) -> Mapping[str, Any]:
        try:
            return processor(request)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            logger.warning("context processor %s skipped: database unavailable", processor.__name__)
            return {}

    return soft


def unavailable_response(
    request: HttpRequest, *, reason: tuple[str, str] = DB_UNAVAILABLE
) -> HttpResponse:
    """503 with Retry-After; rendered without a request, so no context processor (menu,
    grants, inbox bell) queries the database that is not there."""
    code, message = reason
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": code, "message": message}, status=503)
    else:
        page = render_to_string(
            "503.html", {"message": message, "db_down": reason == DB_UNAVAILABLE}
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(settings.FUPIN_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # The middleware above this answer must not retry the database for the user either
    # (e.g. the no-store check asks whether the user is signed in): the answer is decided.
    if reason == DB_UNAVAILABLE:
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()  # type: ignore[assignment]
    return response


def queue_wait_ms(header: str, *, now: float) -> float | None:
    """Milliseconds since the front end stamped `X-Request-Start` (`t=1733500000.123` as
    nginx's $msec gives it; milli- and microsecond integers as other proxies send them);
    None when there is no usable stamp. A stamp from the future counts as no wait."""
    value = header.strip()
    if value.startswith("t="):
        value = value[2:]
    try:
        stamp = float(value)
    except ValueError:
        return None
    if stamp <= 0:
        return None
    if stamp > 1e14:  # microseconds
        stamp /= 1e6
    elif stamp > 1e11:  # milliseconds
        stamp /= 1e3
    return max(0.0, (now - stamp) * 1000)


class LoadShedMiddleware:
    """Turns away what the process cannot serve in time (see the module docstring).

    The in-flight count is per process: with gunicorn's threaded workers, a limit below the
    thread count leaves spare threads that answer the queued requests 503 in a millisecond
    instead of letting them wait for a busy thread. A streamed answer counts until the
    server has closed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self._lock = threading.Lock()
        self.in_flight = 0
        self._shed_count = 0
        self._shed_logged_at = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(SHED_EXEMPT_PREFIXES):
            return self.get_response(request)
        max_wait = settings.FUPIN_MAX_QUEUE_WAIT_MS
        if max_wait > 0:
            waited = queue_wait_ms(request.META.get("HTTP_X_REQUEST_START", ""), now=time.time())
            if waited is not None and waited > max_wait:
                return self._shed(request)
        limit = settings.FUPIN_MAX_IN_FLIGHT
        with self._lock:
            full = 0 < limit <= self.in_flight
            if not full:
                self.in_flight += 1
        if full:
            return self._shed(request)
        try:
            response = self.get_response(request)
        except BaseException:
            self._release()
            raise
        if response.streaming:
            # An export keeps its thread busy until the server has sent the last byte and
            # closed the answer (WSGI servers always close it).
            response._resource_closers.append(self._release)  # type: ignore[attr-defined]
        else:
            self._release()
        return response

    def _shed(self, request: HttpRequest) -> HttpResponse:
        response = unavailable_response(request, reason=OVERLOADED)
        # Django would log every 503 as an error; under overload that is thousands a second,
        # written by the process that is short of time. One line a second says it instead.
        response._has_been_logged = True  # type: ignore[attr-defined]
        now = time.monotonic()
        with self._lock:
            self._shed_count += 1
            if now - self._shed_logged_at < 1:
                return response
            count, self._shed_count, self._shed_logged_at = self._shed_count, 0, now
        logger.warning("load shedding: %d request(s) answered 503 since the last report", count)
        return response

    def _release(self) -> None:
        with self._lock:
            self.in_flight -= 1
