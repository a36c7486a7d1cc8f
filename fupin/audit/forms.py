from __future__ import annotations

from typing import Any

from django import forms

from .display import table_choices
from .models import Action
from .selectors import EventFilters


class EventFilterForm(forms.Form):
    table = forms.ChoiceField(label="数据表", required=False)
    object_pk = forms.CharField(label="记录主键", required=False, max_length=64)
    user = forms.CharField(label="操作人（用户名）", required=False, max_length=150)
    action = forms.ChoiceField(
        label="操作", required=False, choices=[("", "全部"), *Action.choices]
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    batch = forms.IntegerField(label="批次号", required=False, min_value=1)
    region = forms.CharField(label="区划代码", required=False, max_length=12)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [("", "全部"), *table_choices()]  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filters(self) -> EventFilters:
        data = self.cleaned_data
        return EventFilters(
            table=data.get("table") or "",
            object_pk=(data.get("object_pk") or "").strip(),
            user=(data.get("user") or "").strip(),
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            batch_id=data.get("batch"),
            region=(data.get("region") or "").strip(),
        )
