"""Masking of personal data (SPEC §10). Patterns are parameters where officials tune them."""

from __future__ import annotations

import re


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


# Numbers that identify a person when they stand alone in a text (a URL, a log line): an
# 18-character resident ID number (or the old 15-digit form) and an 11-digit mainland mobile
# number, optionally with the 86 country code. "Alone": not inside a longer run of digits or
# letters, so a 20-digit bank account or a 12-digit region code is not taken for one.
ID_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9A-Za-z])"
)
PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86)?(1[3-9][0-9]{9})(?![0-9])")
_SEPARATORS = re.compile(r"[\s\-]")


def is_personal_number(value: str | None) -> bool:
    """Whether a search term is an ID number or a mobile number by its shape alone (spaces
    and dashes ignored): such a term must travel in a POST body, never in a URL."""
    term = _SEPARATORS.sub("", value or "")
    return bool(ID_NUMBER_IN_TEXT.fullmatch(term) or PHONE_IN_TEXT.fullmatch(term))


def mask_personal_numbers(text: str) -> str:
    """`text` with every ID number and mobile number in it masked (logs: SPEC §10)."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)
