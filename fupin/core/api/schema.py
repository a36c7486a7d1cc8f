"""Input hygiene for every API: PostgreSQL text and jsonb hold neither NUL bytes nor
non-finite numbers, so they are refused as bad input (422) rather than failing (500)."""

from __future__ import annotations

import math
from typing import Any

from ninja import Schema as NinjaSchema
from pydantic import ValidationInfo, field_validator

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
    field, however deep, is refused (422) before the handler runs. The check is per field:
    ninja hands a model's validators its input wrapped (DjangoGetter), so only the fields see
    the raw values. Responses are not checked (ninja validates them with a `response_status`
    in the context): what they carry came out of PostgreSQL, which holds neither."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_unstorable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context and "response_status" in info.context:
            return value
        message = bad_value(value)
        if message:
            raise ValueError(message)
        return value
