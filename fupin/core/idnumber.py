"""Resident identity numbers (公民身份号码, GB 11643-1999): check digit, birth date and sex.

An 18-character number is 6 digits of area code, 8 digits of birth date (YYYYMMDD), a 3-digit
sequence whose parity gives the sex (odd = male), and an ISO 7064 MOD 11-2 check character
(0-9 or X).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from .errors import ValidationFailed

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


_DIGIT_OFFSET = ord("0") * sum(WEIGHTS)


def check_char(first17: str) -> str:
    """The check character for the first 17 digits (ASCII digits: the weighted sum is taken
    over the bytes at once, without an int() per character — imports call this per person)."""
    total = sum(map(int.__mul__, first17.encode(), WEIGHTS)) - _DIGIT_OFFSET
    return CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdInfo:
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "男" or "女"


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse(value: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate an ID number and derive its facts, or raise ValidationFailed in Chinese."""
    number = normalize(value)
    if len(number) != 18:
        raise ValidationFailed(
            f"身份证号“{number}”应为18位", errors={"id_number": ["长度应为18位"]}
        )
    if not SHAPE.match(number):
        raise ValidationFailed(
            f"身份证号“{number}”格式不正确：前17位应为数字，末位为数字或X",
            errors={"id_number": ["格式不正确"]},
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationFailed(
            f"身份证号“{number}”校验位错误（应为 {expected}）", errors={"id_number": ["校验位错误"]}
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationFailed(
            f"身份证号“{number}”中的出生日期无效", errors={"id_number": ["出生日期无效"]}
        ) from exc
    today = today or timezone.localdate()
    if birth > today or birth.year < 1890:
        raise ValidationFailed(
            f"身份证号“{number}”中的出生日期不合理", errors={"id_number": ["出生日期不合理"]}
        )
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return IdInfo(number=number, area_code=number[:6], birth_date=birth, sex=sex)


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except ValidationFailed:
        return False
    return True


def make(area_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (demo data and tests). `sequence` 0-999; odd = male."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
