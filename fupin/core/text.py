"""The one check of a free-text input that services share: trimmed, required, bounded."""

from __future__ import annotations

from .errors import ValidationFailed


def clean_text(
    value: str | None,
    name: str,
    label: str,
    max_length: int | None = None,
    *,
    required: bool = True,
) -> str:
    """`value` without surrounding whitespace. Empty and `required` → "请填写{label}"; longer
    than `max_length` characters → "{label}不能超过{max_length}个字"; both on field `name`."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", errors={name: [f"请填写{label}"]})
    if max_length is not None and len(text) > max_length:
        raise ValidationFailed(
            f"{label}不能超过{max_length}个字", errors={name: [f"不能超过{max_length}个字"]}
        )
    return text
