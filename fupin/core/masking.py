"""Masking of personal data (SPEC §10). Patterns are parameters where officials tune them."""

from __future__ import annotations


def mask_id_number(value: str | None, *, keep_head: int = 3, keep_tail: int = 2) -> str:
    """Public form of an ID number: at most the first 3 and last 2 characters by default."""
    if not value:
        return ""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    tail = value[len(value) - keep_tail :]  # value[-0:] would be the whole string
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + tail


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_bank_account(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]
