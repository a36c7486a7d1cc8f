"""`{{ value|code_label:"Cause" }}`: the current label of a code (fupin.core.codelists), for
values that are not a model field with choices (e.g. the items of an array field)."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.core import codelists

register = template.Library()


@register.filter
def code_label(value: Any, list_key: str) -> str:
    return codelists.label(list_key, value)
