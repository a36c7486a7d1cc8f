"""Masking of personal data (SPEC §10). Patterns are parameters where officials tune them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fupin.core.errors import ValidationFailed


def mask_id_number(value: str | None, *, keep_head: int = 3, keep_tail: int = 2) -> str:
    """Public form of an ID number: at most the first 3 and last 2 characters by default."""
    if not value:
        return ""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    tail = value[len(value) - keep_tail :]  # value[-0:] would be the whole string
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + tail


def mask_id_area(value: str | None) -> str:
    """The staff form of an ID number: the area code only (510981************). Nothing of
    the birth date, sequence or check code, so it cannot be completed from a birth date,
    sex or age shown beside it (SPEC §10)."""
    return mask_id_number(value, keep_head=6, keep_tail=0)


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


def mask_birth_date(value: object) -> str:
    """A birth date shown to a role that must not see it: the year only (1990-**-**)."""
    text = str(value or "")
    if len(text) >= 4 and text[:4].isdigit():
        return text[:4] + "-**-**"
    return "*" * len(text)


# Personal data recognised by its shape inside any text (SPEC §10): an 18-character ID
# number, an 11-digit mainland mobile number, a 16–19 digit bank card number. Digits next
# to the match must not be digits, so a 20-digit code or a household number is left alone.
_ID_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]"
    r"|\d{2}[01]\d[0-3]\d\d{3})(?![0-9A-Za-z])"  # 18 characters, or the old 15 digits
)
# The staff mask before 2026 kept the last four characters (510981********1234).
_OLD_STAFF_MASK = re.compile(r"(?<![0-9A-Za-z*])(\d{6})\*{8}[\dXx]{4}(?![0-9A-Za-z])")
_MOBILE_SHAPE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_BANK_SHAPE = re.compile(r"(?<!\d)\d{16,19}(?!\d)")

# Keys whose value is personal data whatever it looks like (an exact key or a `_<key>`
# suffix such as contact_phone). `id_masked` is re-masked: older rows kept digits of the
# birth date and the sequence that the staff mask no longer shows.
_KEY_MASKS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("phone", mask_phone),
    ("mobile", mask_phone),
    ("id_number", mask_id_area),
    ("id_masked", mask_id_area),
    ("bank_account", mask_bank_account),
    ("birth_date", mask_birth_date),
)
# Keys of codes and numbers that are not personal data although some look like a bank card
# number (a household number has 16 digits): their values are not scanned by shape.
_CODE_SUFFIXES = ("_no", "_code", "_id", "_pk")
# Never shown in any form.
SECRET_KEYS = frozenset({"id_cipher", "id_hash", "password", "digest"})


def key_masker(key: str) -> Callable[[str], str] | None:
    """The masking function of a personal-data key, or None."""
    for suffix, func in _KEY_MASKS:
        if key == suffix or key.endswith("_" + suffix):
            return func
    return None


def _luhn(digits: str) -> bool:
    """Whether a card number passes the Luhn check (bank cards do; 9 in 10 other 16–19 digit
    codes such as household numbers in free text do not, and are left alone)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def mask_text(text: str) -> str:
    """`text` with every ID number, mobile number and bank card number in it masked (audit
    payloads, case data, and every log line: core.logfilter)."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ID_SHAPE.sub(lambda m: mask_id_area(m.group(0)), text)
    text = _OLD_STAFF_MASK.sub(lambda m: m.group(1) + "*" * 12, text)
    text = _BANK_SHAPE.sub(
        lambda m: mask_bank_account(m.group(0)) if _luhn(m.group(0)) else m.group(0), text
    )
    return _MOBILE_SHAPE.sub(lambda m: mask_phone(m.group(1)), text)


def mask_personal(value: Any, key: str = "") -> Any:
    """Any value that may hold personal data, masked: dicts and lists recursively (a value
    under a personal-data key by that key's mask, secret keys dropped), strings by the shape
    of what they contain. Numbers, booleans and None are returned as they are (except under
    a personal-data key). The one function for audit payloads, case data and exports."""
    if isinstance(value, dict):
        return {k: mask_personal(v, str(k)) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list | tuple):
        return [mask_personal(v, key) for v in value]
    if value is None or isinstance(value, bool):
        return value
    func = key_masker(key) if key else None
    if func is not None:
        return func(str(value))
    if isinstance(value, str) and not key.endswith(_CODE_SUFFIXES) and key not in ("no", "code"):
        return mask_text(value)
    return value


# The reasons offered when someone reveals a masked value or exports it in full (the audit
# row keeps the reason: SPEC §10).
REVEAL_REASON_REQUIRED = "请说明查看完整信息的理由"
REVEAL_REASONS = ("核实身份", "办理业务", "数据比对", "上级核查", "其他")


def reveal_reason(choice: str, text: str = "") -> str:
    """The reason of a reveal from the common-reasons select and the free text (422 without)."""
    choice, text = (choice or "").strip(), (text or "").strip()
    if choice and choice not in REVEAL_REASONS:
        raise ValidationFailed("请从列表中选择查看理由", errors={"reason": ["无效的选项"]})
    if not text and (not choice or choice == "其他"):
        raise ValidationFailed(REVEAL_REASON_REQUIRED, errors={"reason": ["必须填写"]})
    if choice and choice != "其他":
        return f"{choice}：{text}" if text else choice
    return text


_SEPARATORS = re.compile(r"[\s\-]")


def is_personal_number(value: str | None) -> bool:
    """Whether a search term is an ID number or a mobile number by its shape alone (spaces
    and dashes ignored): such a term must travel in a POST body, never in a URL."""
    term = _SEPARATORS.sub("", value or "")
    return bool(_ID_SHAPE.fullmatch(term) or _MOBILE_SHAPE.fullmatch(term))
