"""Forms of the alert pages. They parse input only; who may act and the guards live in the
workflow engine and the services, whose Chinese messages are put on the forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from fupin.core.rules import SEVERITIES
from fupin.core.web import StyledForm
from fupin.supervision.alerts.flows import FLOW
from fupin.supervision.alerts.selectors import STATUS_CHOICES, rule_choices
from fupin.workflows.engine import Step

TEXTAREA = {"rows": 3}
ACCEPT = ".jpg,.jpeg,.png,.pdf,.doc,.docx,.xls,.xlsx"


class AlertFilterForm(StyledForm):
    rule = forms.ChoiceField(label="规则", required=False)
    severity = forms.ChoiceField(
        label="级别", required=False, choices=[("", "全部级别"), *SEVERITIES.items()]
    )
    state = forms.ChoiceField(
        label="办理环节", required=False, choices=[("", "全部环节"), *FLOW.states.items()]
    )
    status = forms.ChoiceField(label="销号", required=False, choices=STATUS_CHOICES)
    overdue = forms.BooleanField(label="仅逾期", required=False)
    region = forms.CharField(label="区划代码", required=False, max_length=12)
    unit = forms.CharField(label="责任单位区划", required=False, max_length=12)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ChoiceField)
        rule.choices = [("", "全部规则"), *rule_choices()]
        for name in ("region", "unit"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})


class AlertStepForm(StyledForm):
    """One step of an alert: the version the user saw, the comment and the step's fields
    (the 督办 notice's deadline, content and requirement)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label="办理意见", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, step: Step, **kwargs: Any) -> None:
        super().__init__(*args, prefix=step.name, **kwargs)
        self.step = step
        if step.comment_required:
            self.fields["comment"].label = "办理意见（必填）"
            self.fields["comment"].required = True
        if "deadline" in step.fields:
            self.fields["deadline"] = forms.DateField(
                label="整改期限",
                widget=forms.DateInput(
                    attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
                ),
                error_messages={"required": "请填写整改期限", "invalid": "日期格式不正确"},
            )
        if "content" in step.fields:
            self.fields["content"] = forms.CharField(
                label="督办事项",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={**TEXTAREA, "class": "form-control"}),
            )
        if "requirement" in step.fields:
            self.fields["requirement"] = forms.CharField(
                label="整改要求",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={**TEXTAREA, "class": "form-control"}),
            )
        if "comment" in self.fields and step.fields:
            # The notice's own text says it all; an opinion is optional there.
            self.fields["comment"].label = "备注"

    def step_data(self) -> dict[str, Any]:
        """Step inputs as the engine keeps them (dates as ISO strings)."""
        data: dict[str, Any] = {}
        for name in self.step.fields:
            value = self.cleaned_data.get(name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            if value not in (None, ""):
                data[name] = value
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RectificationForm(StyledForm):
    content = forms.CharField(
        label="整改情况",
        max_length=5000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="写明核实情况、采取的措施和整改结果",
    )
    attachments = MultipleFileField(
        label="佐证材料（照片 JPG/PNG 或 PDF、Office 文件，每个不超过 10 MB，可多选）",
        required=False,
    )


class RunForm(StyledForm):
    region = forms.CharField(label="巡检区划代码", required=False, max_length=12)
