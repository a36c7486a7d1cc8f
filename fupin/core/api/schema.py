"""Input hygiene for every API: PostgreSQL text and jsonb hold neither NUL bytes nor
non-finite numbers, so they are refused as bad input (422) rather than failing (500)."""

from __future__ import annotations

import math
from typing import Any

from ninja import Schema as NinjaSchema
from pydantic import model_validator

from fupin.core.errors import ValidationFailed

NUL_MESSAGE = "提交的内容含有非法字符"


def bad_value(value: Any) -> str | None:
    """The message for a value PostgreSQL cannot store, looking inside dicts and lists."""
    if isinstance(value, str):
        return NUL_MESSAGE if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "提交的数值不正确"
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    for item in items:
        message = bad_value(item)
        if message:
            return message
    return None


def no_nul(value: Any) -> None:
    """Refuse a query parameter (or any value) PostgreSQL cannot store: 422, never a 500."""
    message = bad_value(value)
    if message:
        raise ValidationFailed(message)


class Schema(NinjaSchema):
    """The base of every API schema: a body carrying a NUL byte or a non-finite number in any
    string or number, however deep, is refused before the handler runs."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_unstorable(cls, data: Any) -> Any:
        if isinstance(data, dict | list):
            message = bad_value(data)
            if message:
                raise ValueError(message)
        return data
