"""Forms of the staff case pages. They parse input only; the rules (who may act, guards,
criteria) live in the engine and the services, whose Chinese messages are put on the forms."""

from __future__ import annotations

from typing import Any

from django import forms

from fupin.registry import codes
from fupin.registry.forms import HouseholdCreateForm, StyledForm
from fupin.workflows import engine
from fupin.workflows.cases import risk
from fupin.workflows.cases.models import DocumentKind
from fupin.workflows.notices.models import NoticeLevel

REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


class CaseFilterForm(StyledForm):
    """办件查询: type, stage, region prefix, text, closed cases too."""

    kind = forms.ChoiceField(label="办件类型", required=False)
    state = forms.ChoiceField(label="当前环节", required=False)
    region = forms.CharField(label="区划代码", required=False, max_length=12)
    q = forms.CharField(label="搜索", required=False, max_length=50)
    closed = forms.BooleanField(label="含已办结", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", "全部类型"), *engine.kind_choices()]
        state_field = self.fields["state"]
        assert isinstance(state_field, forms.ChoiceField)
        state_field.choices = state_choices(str(self.data.get("kind") or ""))


def state_choices(kind: str) -> list[Any]:
    """The stages of one type, or every type's stages grouped by type."""
    if kind in engine.FLOWS:
        return [("", "全部环节"), *engine.FLOWS[kind].states.items()]
    groups: list[Any] = [("", "全部环节")]
    for flow in engine.FLOWS.values():
        groups.append((flow.label, list(flow.states.items())))
    return groups


class BatchForm(StyledForm):
    kind = forms.CharField(widget=forms.HiddenInput)
    state = forms.CharField(widget=forms.HiddenInput)
    step = forms.ChoiceField(label="办理操作")
    comment = forms.CharField(
        label="办理意见", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, steps: list[engine.Step] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step_field = self.fields["step"]
        assert isinstance(step_field, forms.ChoiceField)
        step_field.choices = [("", "请选择操作")] + [(s.name, s.label) for s in steps or []]
        step_field.error_messages["invalid_choice"] = "该环节不能批量办理此操作"


class StepForm(StyledForm):
    """One step of a case: its comment, its extra fields and the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label="办理意见", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, step: engine.Step, **kwargs: Any) -> None:
        super().__init__(*args, prefix=step.name, **kwargs)
        self.step = step
        comment = self.fields["comment"]
        if step.comment_required:
            comment.label = "办理意见（必填）"
            comment.widget.attrs["required"] = "required"
        for name in step.fields:
            field = step_field(name)
            if field is not None:
                self.fields[name] = field
        for name, field in self.fields.items():
            if name not in ("version", "comment"):
                _style(field)

    def step_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.step.fields}


def _style(field: forms.Field) -> None:
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs.setdefault("class", "form-check-input")
    elif isinstance(widget, forms.CheckboxSelectMultiple):
        pass
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        widget.attrs.setdefault("class", "form-select")
    else:
        widget.attrs.setdefault("class", "form-control")
    field.error_messages.setdefault("required", "此项为必填项")


def step_field(name: str) -> forms.Field | None:
    """The input of a step field (Step.fields); derived fields (category_label) have none."""
    if name == "food_secure":
        return forms.BooleanField(label="不愁吃", required=False)
    if name == "clothing_secure":
        return forms.BooleanField(label="不愁穿", required=False)
    if name == "category":
        return forms.ChoiceField(
            label="监测对象类别",
            required=False,
            choices=[("", "请选择"), *codes.MonitoringCategory.choices],
        )
    if name == "risk_types":
        return forms.MultipleChoiceField(
            label="风险类型",
            required=False,
            choices=risk.RiskType.choices,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
    if name == "measures":
        return forms.CharField(
            label="帮扶措施",
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    return None


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(label="材料类型", choices=DocumentKind.choices)
    file = forms.FileField(
        label="文件（PDF、图片或 Office 文件，不超过 10 MB）",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}
        ),
    )
    note = forms.CharField(label="说明", required=False, max_length=200)


class OverrideForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label="放行理由（至少10个字）", max_length=500, widget=REASON_WIDGET)


class LinkForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    household_no = forms.CharField(label="户编号", max_length=30)


class ResolveForm(StyledForm):
    upheld = forms.TypedChoiceField(
        label="核实结论",
        choices=[("0", "异议不成立"), ("1", "异议成立")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    resolution = forms.CharField(label="核实情况", max_length=2000, widget=REASON_WIDGET)


# --- creation -------------------------------------------------------------------------------------


class IdentificationForm(HouseholdCreateForm):
    """农户申请: the registry's household form (the number is optional here) and a reason."""

    reason = forms.CharField(label="申请理由", max_length=1000, widget=REASON_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("identified_year", None)
        number = self.fields["household_no"]
        number.required = False
        number.help_text = "留空时自动编号"
        self.fields["reason"].widget.attrs.setdefault("class", "form-control")
        self.order_fields(["village_code", "reason"])

    def data_for_service(self) -> dict[str, Any]:
        data = dict(super().data_for_service())
        data.pop("identified_year", None)
        return data


class HouseholdPickForm(StyledForm):
    household_no = forms.CharField(label="户编号", max_length=30)


class ReasonForm(StyledForm):
    reason = forms.CharField(label="申请理由 / 情况说明", max_length=1000, widget=REASON_WIDGET)


class MemberChangeCaseForm(StyledForm):
    change_kind = forms.ChoiceField(
        label="变更类型",
        choices=[("", "请选择")]
        + [c for c in codes.MemberChangeKind.choices if c[0] != codes.MemberChangeKind.CORRECTION],
    )
    occurred_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    member = forms.TypedChoiceField(
        label="离户成员（死亡、婚出、迁出）", coerce=int, required=False, empty_value=None
    )
    new_head = forms.TypedChoiceField(
        label="新户主（户主离户时必填）", coerce=int, required=False, empty_value=None
    )
    new_name = forms.CharField(
        label="新增成员姓名（出生、婚入、迁入）", required=False, max_length=50
    )
    new_id_number = forms.CharField(label="新增成员身份证号", required=False, max_length=18)
    new_relation = forms.ChoiceField(
        label="与户主关系", required=False, choices=[("", "请选择"), *codes.Relation.choices]
    )
    new_insured = forms.BooleanField(label="新增成员已参加基本医疗保险", required=False)
    reason = forms.CharField(label="变更原因", max_length=1000, widget=REASON_WIDGET)
    evidence = forms.FileField(
        label="证明材料（出生证明、死亡证明、户籍证明等）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, members: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [
            (m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members or []
        ]
        for name in ("member", "new_head"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        payload: dict[str, Any] = {
            "change_kind": data["change_kind"],
            "occurred_on": data["occurred_on"],
            "reason": data["reason"],
        }
        if data["change_kind"] in codes.LEAVING_KINDS:
            payload["member_id"] = data.get("member")
            payload["new_head_id"] = data.get("new_head")
        else:
            payload["new_member"] = {
                "name": (data.get("new_name") or "").strip(),
                "id_number": (data.get("new_id_number") or "").strip().upper(),
                "relation": data.get("new_relation") or codes.Relation.OTHER,
                "insured_medical": bool(data.get("new_insured")),
            }
        return payload


class MonitoringForm(StyledForm):
    category = forms.ChoiceField(
        label="监测对象类别",
        required=False,
        choices=[("", "待核实"), *codes.MonitoringCategory.choices],
    )
    risk_types = forms.MultipleChoiceField(
        label="风险类型",
        choices=risk.RiskType.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    medical_expense = forms.DecimalField(
        label="自付医疗支出（元）", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    reason = forms.CharField(label="情况说明", max_length=1000, widget=REASON_WIDGET)


class RegionExitForm(StyledForm):
    region = forms.ChoiceField(label="申报对象")
    reason = forms.CharField(label="申报说明", max_length=1000, widget=REASON_WIDGET)

    def __init__(self, *args: Any, regions: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "请选择")] + [(r.code, r.name) for r in regions or []]
        field.error_messages["invalid_choice"] = "请选择您辖区内的对象"


NOTICE_LABELS = dict(NoticeLevel.choices)
