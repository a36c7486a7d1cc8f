"""Domain errors on pages: one place turns a FupinError into the Chinese error page.

Views let NotFound / PermissionDenied / Conflict raised by selectors and services propagate;
`DomainErrorMiddleware` renders them (404, 403, or the error's own status with its message).
Views that re-display a form with the error catch it themselves before it gets here.

Also `client_ip`, the request's client address as the audit trail records it.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import FupinError, NotFound, PermissionDenied


def render_error(request: HttpRequest, exc: FupinError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return render(request, "404.html", {"page_title": "页面不存在"}, status=404)
    if isinstance(exc, PermissionDenied):
        context = {"page_title": "无权访问", "message": exc.message, "status": "403"}
        return render(request, "403.html", context, status=403)
    context = {"page_title": "操作失败", "message": exc.message, "status": str(exc.status)}
    return render(request, "403.html", context, status=exc.status)


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FupinError) and not request.path.startswith("/api/"):
            return render_error(request, exception)
        return None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@functools.cache
def _trusted(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in proxies:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # a typo in the setting trusts nothing rather than failing every request
    return tuple(networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit trail: REMOTE_ADDR, unless REMOTE_ADDR is one of the
    trusted proxies (settings.FUPIN_TRUSTED_PROXIES); then the right-most X-Forwarded-For
    address that is not itself a trusted proxy (everything left of it the client may have
    written). A malformed header or address is ignored; never raises."""
    remote = _address(str(request.META.get("REMOTE_ADDR") or ""))
    trusted = _trusted(tuple(getattr(settings, "FUPIN_TRUSTED_PROXIES", ())))
    if remote is None:
        return None

    def is_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address.version == net.version and address in net for net in trusted)

    if not trusted or not is_proxy(remote):
        return str(remote)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            return str(remote)  # a malformed hop: nothing left of it can be believed
        if not is_proxy(address):
            return str(address)
    return str(remote)
