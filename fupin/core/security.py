"""Response headers every page and API answer carries: CSP, Permissions-Policy, no-store.

- Content-Security-Policy: everything is vendored, so every source is 'self'. Inline
  `<script>` blocks carry the per-request nonce (`request.csp_nonce`, in templates
  `{{ request.csp_nonce }}`); inline event handlers are not allowed (fupin/behaviours.js
  wires `data-confirm` and friends instead). Styles allow 'unsafe-inline': the templates use
  `style="…"` attributes and two `<style>` blocks, and ECharts' SVG renderer writes style
  attributes; a style cannot run code.
- Permissions-Policy: geolocation for our own pages (field check-ins), nothing else.
- Cache-Control: no-store on every response that may carry personal data — any answer to a
  signed-in user and every API answer. Static files (served by whitenoise before this
  middleware's inner layers) keep their long cache headers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Put it right after SecurityMiddleware, before whitenoise: static files get the CSP too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if carries_personal_data(request):
            add_never_cache_headers(response)
        return response


def carries_personal_data(request: HttpRequest) -> bool:
    if request.path.startswith(settings.STATIC_URL):
        return False
    if request.path.startswith("/api/"):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
