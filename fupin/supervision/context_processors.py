"""The unread-message count shown by the bell in the top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Message


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "unread_message_count": Message.objects.filter(
            recipient_id=user.pk, read_at__isnull=True
        ).count()
    }
