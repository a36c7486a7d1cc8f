"""Registry page forms. They parse input; the registry's rules live in services
(ValidationFailed with Chinese messages, attached to the fields they name)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.models import fields_for_model

from fupin.core import codelists, idnumber
from fupin.core.errors import ValidationFailed
from fupin.core.web import StyledForm as BaseStyledForm

from . import codes
from .models import Household, Income, Member

HOUSEHOLD_FORM_FIELDS = [
    "household_no",
    "head_name",
    "phone",
    "bank_name",
    "bank_account",
    "attribute",
    "standard",
    "identified_year",
    "main_cause",
    "other_causes",
    "is_relocated",
    "is_military",
    "helper_name",
    "arable_land",
    "irrigated_land",
    "forest_land",
    "grain_for_green_land",
    "orchard_land",
    "pasture_land",
    "water_area",
    "production_power",
    "domestic_power",
    "road_distance_km",
    "road_surface",
    "housing_area",
    "housing_grade",
    "housing_rebuilt",
    "water_difficulty",
    "water_safe",
    "fuel",
    "sanitary_toilet",
    "cooperative_member",
]
MEMBER_FORM_FIELDS = [
    "name",
    "relation",
    "ethnicity",
    "political_status",
    "education",
    "schooling",
    "health",
    "disability_grade",
    "labour",
    "employment_tier",
    "employment_months",
    "insured_medical",
    "insured_critical",
    "insured_pension",
    "insured_accident",
    "is_dibao",
    "is_tekun",
]


class StyledForm(BaseStyledForm):
    """The house form, with the registry's service-data helper."""

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in {"version", "reason"}}


def _form_class(name: str, bases: tuple[type, ...], fields: dict[str, Any]) -> Any:
    """A form class whose fields are built from the model (labels and choices in Chinese)."""
    return forms.forms.DeclarativeFieldsMetaclass(name, bases, {"__module__": __name__, **fields})


def _model_fields(model: Any, names: list[str]) -> dict[str, forms.Field]:
    fields = fields_for_model(model, fields=names)
    out = {k: v for k, v in fields.items() if v is not None}
    for name, field in out.items():
        key = codelists.list_key(model._meta.get_field(name))
        if isinstance(field, forms.ChoiceField) and key:
            field.code_list = key  # type: ignore[attr-defined]  # see StyledForm.__init__
    return out


def _household_fields() -> dict[str, forms.Field]:
    fields = _model_fields(Household, HOUSEHOLD_FORM_FIELDS)
    fields["head_name"].required = False
    fields["head_name"].help_text = "留空时取成员中的户主"
    fields["other_causes"] = forms.MultipleChoiceField(
        label="其他致贫原因",
        choices=codelists.form_choices(codes.Cause),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fields["other_causes"].code_list = "Cause"  # type: ignore[attr-defined]
    fields["identified_year"].widget.attrs.update(min=2000, max=2100)
    return fields


HouseholdFields = _form_class("HouseholdFields", (StyledForm,), _household_fields())


class HouseholdCreateForm(HouseholdFields):  # type: ignore[misc,valid-type]
    village_code = forms.ChoiceField(label="所在村", choices=())

    field_order = ["village_code", *HOUSEHOLD_FORM_FIELDS]

    def __init__(self, *args: Any, villages: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village_code"].choices = [("", "请选择村")] + [
            (v.code, v.name) for v in (villages or [])
        ]
        self.fields["village_code"].error_messages["invalid_choice"] = "请选择您辖区内的村"

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        data.pop("village_code", None)
        data["declared_size"] = 0  # follows the members entered
        return data


# Personal data the edit form never shows (SPEC §10: masked by default, a full value only by
# an audited reveal on the household page): the field starts empty with the masked value as
# its placeholder, and an empty field keeps what is recorded.
KEPT_WHEN_EMPTY = ("phone", "bank_account")


class HouseholdEditForm(HouseholdFields):  # type: ignore[misc,valid-type]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label="修改原因", max_length=200, required=False)

    def __init__(self, *args: Any, masked: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, shown in (masked or {}).items():
            field = self.fields[name]
            field.required = False
            field.widget.attrs["placeholder"] = shown
            field.help_text = "留空则保持原号码不变" if shown else ""
            self.initial.pop(name, None)

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        if not data.get("head_name"):
            data.pop("head_name", None)
        for name in KEPT_WHEN_EMPTY:
            if not data.get(name):
                data.pop(name, None)
        return data


def _member_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "id_number": forms.CharField(label="身份证号", max_length=18, min_length=15),
    }
    fields.update(_model_fields(Member, MEMBER_FORM_FIELDS))
    fields["ethnicity"] = forms.ChoiceField(
        label="民族", choices=[(e, e) for e in codes.ETHNICITIES], initial="汉族"
    )
    return fields


MemberFields = _form_class("MemberFields", (StyledForm,), _member_fields())


class MemberForm(MemberFields):  # type: ignore[misc,valid-type]
    """One member row: the ID number is checked (GB 11643) next to its field."""

    field_order = ["name", "id_number", "relation", *MEMBER_FORM_FIELDS[2:]]

    def clean_id_number(self) -> str:
        value = str(self.cleaned_data.get("id_number") or "")
        if not value and not self.fields["id_number"].required:
            return ""
        try:
            return idnumber.parse(value).number
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


class MemberEditForm(MemberForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label="修改原因", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].required = False
        self.fields["id_number"].min_length = None
        self.fields["id_number"].help_text = "留空表示不修改身份证号"

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


def _deleted(form: Any) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("DELETE"))


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: dict[str, str] = {}
        heads = 0
        rows = 0
        for form in self.forms:
            if not form.has_changed() or _deleted(form):
                continue
            rows += 1
            number = form.cleaned_data.get("id_number")
            if number in seen:
                form.add_error("id_number", f"与成员 {seen[number]} 的身份证号相同")
            seen[number] = form.cleaned_data.get("name", "")
            if form.cleaned_data.get("relation") == codes.Relation.HEAD:
                heads += 1
        if rows == 0:
            raise forms.ValidationError("请至少填写一名家庭成员")
        if heads != 1:
            raise forms.ValidationError(f"每户必须有且只有一名户主，当前为 {heads} 名")

    def members(self) -> list[dict[str, Any]]:
        return [f.data_for_service() for f in self.forms if f.has_changed() and not _deleted(f)]


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=0, min_num=1, can_delete=True
)


IncomeFields = _form_class(
    "IncomeFields",
    (StyledForm,),
    {
        **{
            name: forms.DecimalField(
                label=str(getattr(Income._meta.get_field(name), "verbose_name", name)),
                max_digits=12,
                decimal_places=2,
                min_value=0,
                initial=0,
            )
            for name in codes.INCOME_FIELDS
        },
        "size": forms.IntegerField(
            label="计算人口数", min_value=1, required=False, help_text="留空时取当前在册人数"
        ),
    },
)


class IncomeForm(IncomeFields):  # type: ignore[misc,valid-type]
    # The version loaded (0: the year not entered yet); a stale one is refused with 409.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def amounts(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in codes.INCOME_FIELDS}


class MemberChangeForm(StyledForm):
    kind = forms.ChoiceField(
        label="变更类型", choices=codelists.form_choices(codes.MemberChangeKind)
    )
    occurred_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="变更原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label="证明材料（PDF/JPG/PNG，不超过 10 MB）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    member = forms.TypedChoiceField(label="涉及成员", coerce=int, required=False, empty_value=None)
    new_head = forms.TypedChoiceField(
        label="新户主（户主离户时必填）", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, members: list[Member] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [
            (m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members or []
        ]
        for name in ("member", "new_head"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices


class NewMemberForm(MemberForm):
    """The member joining (出生/婚入/迁入) or the corrected values (信息更正)."""

    prefix = "m"

    def __init__(self, *args: Any, correction: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.correction = correction

    def values(self) -> dict[str, Any]:
        if not self.correction:
            return self.data_for_service()
        return {k: v for k, v in self.cleaned_data.items() if k in self.changed_data}


class HouseholdFilterForm(StyledForm):
    region = forms.CharField(label="区划代码", required=False, max_length=12)
    q = forms.CharField(label="搜索", required=False, max_length=50)
    status = forms.ChoiceField(
        label="状态", required=False, choices=codelists.form_choices(codes.Status, blank="全部状态")
    )
    attribute = forms.ChoiceField(
        label="属性",
        required=False,
        choices=codelists.form_choices(codes.Attribute, blank="全部属性"),
    )
    cause = forms.ChoiceField(
        label="致贫原因",
        required=False,
        choices=codelists.form_choices(codes.Cause, blank="全部原因"),
    )
    any_cause = forms.BooleanField(label="含其他致贫原因", required=False)
    identified_year = forms.IntegerField(
        label="识别年度", required=False, min_value=1, max_value=9999
    )
    exit_year = forms.IntegerField(label="脱贫年度", required=False, min_value=1, max_value=9999)
    rule = forms.CharField(label="疑点规则", required=False, max_length=10)
