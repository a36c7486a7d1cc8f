"""The 「查看」 box beside a masked value (SPEC §10: masked by default, an audited reveal).

`reveal_box(...)` builds the context of `templates/includes/reveal.html` (include it with
`w=<box>`); `reveal_answer(request, box, reveal)` is the whole POST handler body: it reads the
reason (a common reason + text), calls `reveal(reason)` — the app's service, which checks the
right and writes the audit row before returning the value — and renders the box with the
value, or again with the message when the reason is missing. The value travels only in the
POST response (never in a URL, so never in an access log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.core import masking
from fupin.core.errors import ValidationFailed

TEMPLATE = "includes/reveal.html"


def reveal_box(
    *, target: str, masked: str, url: str, label: str, can_reveal: bool
) -> dict[str, Any]:
    """One masked value with its box; `target` is the element id, `label` what it is (身份证号)."""
    return {
        "target": target,
        "masked": masked,
        "url": url,
        "field_label": label,
        "can_reveal": can_reveal and bool(masked),
        "reasons": masking.REVEAL_REASONS,
    }


def reveal_answer(
    request: HttpRequest, box: dict[str, Any], reveal: Callable[[str], str]
) -> HttpResponse:
    try:
        reason = masking.reveal_reason(
            request.POST.get("reason_choice", ""), request.POST.get("reason_text", "")
        )
        value = reveal(reason)
    except ValidationFailed as exc:
        return render(request, TEMPLATE, {"w": {**box, "error": exc.message, "open": True}})
    return render(request, TEMPLATE, {"w": {**box, "revealed": value}})
