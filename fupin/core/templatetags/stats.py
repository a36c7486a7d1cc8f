"""`{{ reading|as_of }}`: 「数据截至 HH:MM」 beside a figure that is not live (core.stats)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def as_of_text(when: Any) -> str:
    if when is None:
        return ""
    local = timezone.localtime(when)
    if local.date() == timezone.localdate():
        return f"数据截至 {local:%H:%M}"
    return f"数据截至 {local.month}月{local.day}日 {local:%H:%M}"


@register.filter
def as_of(reading: Any) -> SafeString | str:
    text = as_of_text(getattr(reading, "as_of", None))
    if not text:
        return ""
    return format_html('<span class="text-secondary small" data-testid="as-of">{}</span>', text)
