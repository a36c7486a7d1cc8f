"""The house form: Tabler classes on every widget, code-list fields offering the items in
use, Chinese messages, and a service's errors placed next to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms

from fupin.core import codelists
from fupin.core.errors import ValidationFailed

REQUIRED_MESSAGES = {"required": "此项为必填项", "invalid": "格式不正确"}


class StyledForm(forms.Form):
    """Tabler/Bootstrap classes on every widget and service errors next to their fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            key = getattr(field, "code_list", None)
            if key:  # the items in use now, and the record's own values even if stopped since
                current = self.initial.get(name, field.initial)
                blank = [c for c in field.choices if c[0] == ""][:1]  # type: ignore[attr-defined]
                field.choices = [*blank, *codelists.active_choices(key, current)]  # type: ignore[attr-defined]
            for key, message in REQUIRED_MESSAGES.items():
                field.error_messages.setdefault(key, message)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                pass
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def apply_errors(self, exc: ValidationFailed) -> None:
        if not exc.errors:
            self.add_error(None, exc.message)
            return
        for name, messages in exc.errors.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message if target else _full(exc, message))


def _full(exc: ValidationFailed, message: str) -> str:
    # A short field message ("必填") means little at the top of a form: use the full one.
    return exc.message if len(message) < 8 and exc.message else message
