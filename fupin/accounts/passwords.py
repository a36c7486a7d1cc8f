"""Password policy beyond Django's validators: letters and digits both required."""

from __future__ import annotations

from typing import Any


class CharacterClassValidator:
    def validate(self, password: str, user: Any = None) -> None:
        from django.core.exceptions import ValidationError

        if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_classes")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"


class MinimumLengthValidator:
    """Django's length rule with a Chinese message: Django 5.2's zh_Hans catalogue lacks the
    reworded "This password is too short…" string, so the stock validator speaks English."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        from django.core.exceptions import ValidationError

        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短，至少需要 {self.min_length} 个字符。",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
