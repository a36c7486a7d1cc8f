"""The unread-message count shown by the bell in the top bar (declared on the app config,
run through `fupin.core.platform.app_context`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import message_unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"unread_message_count": message_unread_count(request.actor)}  # type: ignore[attr-defined]
