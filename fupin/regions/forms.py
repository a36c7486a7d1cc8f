"""Page forms: they parse input; the domain rules live in services (ValidationFailed)."""

from __future__ import annotations

from typing import Any

from django import forms

from fupin.core.errors import ValidationFailed

from .models import CommandUnitKind, OrganisationKind


class BootstrapMixin:
    """Tabler/Bootstrap classes on every widget."""

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                pass
            else:
                widget.attrs.setdefault("class", "form-control")

    def apply_errors(self, exc: ValidationFailed) -> None:
        """Attach a service's field errors to this form (unknown fields go to the top)."""
        form: Any = self
        if not exc.errors:
            form.add_error(None, exc.message)
        for name, messages in exc.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)


class VersionedForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VillageProfileForm(VersionedForm):
    is_poor_village = forms.BooleanField(label="建档立卡贫困村", required=False)
    identified_year = forms.IntegerField(label="识别年度", required=False)
    exit_year = forms.IntegerField(label="退出年度", required=False)
    households = forms.IntegerField(label="户数", required=False, min_value=0)
    population = forms.IntegerField(label="总人口", required=False, min_value=0)
    rural_population = forms.IntegerField(label="农业人口", required=False, min_value=0)
    hardened_road = forms.BooleanField(label="通硬化路", required=False)
    power_supply = forms.BooleanField(label="通动力电", required=False)
    broadband = forms.BooleanField(label="通宽带", required=False)
    clinic = forms.BooleanField(label="有标准化卫生室", required=False)
    cultural_room = forms.BooleanField(label="有文化室", required=False)
    collective_income = forms.DecimalField(
        label="村集体经济收入（元）", required=False, max_digits=14, decimal_places=2, min_value=0
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class BattleZoneForm(VersionedForm):
    name = forms.CharField(label="战区名称", max_length=100)
    leader_name = forms.CharField(label="责任领导", max_length=50)
    leader_title = forms.CharField(label="职务", max_length=100, required=False)
    townships = forms.MultipleChoiceField(
        label="辖乡镇", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, township_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["townships"].choices = township_choices  # type: ignore[attr-defined]
        self._style()


class CommandUnitForm(VersionedForm):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=CommandUnitKind.choices)
    parent = forms.TypedChoiceField(label="上级单位", required=False, coerce=int, empty_value=None)
    duties = forms.CharField(label="职责", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, parent_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "（无）"), *parent_choices]  # type: ignore[attr-defined]
        self._style()


class MemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    position = forms.CharField(label="职务/分工", max_length=100)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    sort = forms.IntegerField(label="排序", required=False, min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class OrganisationForm(VersionedForm):
    region_code = forms.CharField(label="所在区划代码", max_length=12)
    name = forms.CharField(label="名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=OrganisationKind.choices)
    sector = forms.CharField(label="所属行业", max_length=50, required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    is_active = forms.BooleanField(label="在用", required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # an organisation does not move between regions
            self.fields["region_code"].disabled = True
            self.fields["region_code"].required = False
        self._style()
