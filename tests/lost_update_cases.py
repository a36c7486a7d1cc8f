"""The records behind every edit page and PUT that tests/test_no_lost_update.py walks: one
`Edit` per endpoint, with what the two writers save and how to make the record (a third
user, 张建档, makes it, so a 409 naming the first writer proves the message reads the row's
last change, not its creator)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from fupin.core import calendar
from fupin.core.access import Actor
from fupin.core.models import CalendarYear, CodeItem, Parameter
from fupin.regions import services as regions
from fupin.regions.models import BattleZone, CommandUnit, Organisation, Region, VillageProfile
from fupin.registry import services as registry
from fupin.registry.models import Household, Income, Member
from fupin.registry.tests.factories import family, household_data
from fupin.supervision.lights import services as lights
from fupin.supervision.models import QuarterTarget
from fupin.testing import make_user

# Versioned models nobody edits in place, and why (a new model must be added here or to EDITS).
NOT_EDITED_IN_PLACE = {
    "regions.CommandUnitMember": "成员只增删（regions:member_add / member_remove），不修改",
    "registry.MemberChange": "成员变更是追加的记录，更正另登记一条",
    "workflows.Case": "状态只经流程引擎变更，引擎按版本校验（workflows/engine.py）",
    "workflows.CaseDocument": "上传的材料只增不改",
    "workflows.Notice": "公示经流程发布，不在原记录上编辑",
    "workflows.Objection": "异议只登记和经流程办结",
    "workflows.Sample": "抽样一次生成，不编辑",
    "workflows.SampleItem": "核查结论是 POST 登记，版本校验见 workflows/tests/test_sample_finding_version.py",
    "workflows.Survey": "调查记录只新增",
    "supervision.SupervisionNotice": "督办通知经预警流程生成",
    "supervision.Rectification": "整改经预警流程提交",
    "supervision.RectificationFile": "整改材料只增不改",
    "supervision.InspectionGroup": "督查组只新建",
    "supervision.InspectionPlan": "督查计划只新建",
    "supervision.InspectionVisit": "督查走访只新建",
    "supervision.Finding": "发现问题只新建",
    "supervision.Accountability": "问责记录只新建",
    "supervision.ReminderInterview": "约谈记录只新建",
}

# PUTs that create as well as edit, where no version says "I saw none": refused with 409 once
# the record exists (the parameter's override of a region and year).
VERSION_MEANS_NEW = {"put /api/v1/parameters"}

FIRST, SECOND = "王芳", "李强"  # the two writers' real names


@dataclass
class World:
    county: Region
    township: Region
    village: Region
    setup: Actor  # who made the records: the 409 must name the first writer, not them
    first: Any
    second: Any


@dataclass
class Target:
    """One record behind one endpoint."""

    url: str
    body: Callable[[Client, str, int | None], dict[str, Any]]  # (client, value, version)
    stored: Callable[[], Any]  # the value as stored
    version: Callable[[], int | None]
    loaded: int | None  # the version both writers loaded


@dataclass(frozen=True)
class Edit:
    name: str  # the OpenAPI path ("put /api/v1/…") or the page URL name
    model: str
    method: str
    values: tuple[Any, Any]  # what the first and the second writer save
    make: Callable[[World], Target]


# --- helpers ---------------------------------------------------------------------------------


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What a browser would post back: the Django form of the page with its loaded values."""
    form = client.get(url).context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


def _page(url: str, field: str, version_field: str = "version") -> Callable[..., dict[str, Any]]:
    def body(client: Client, value: str, version: int | None) -> dict[str, Any]:
        data = _form_data(client, url)
        data[field] = value
        data[version_field] = "" if version is None else str(version)
        return data

    return body


def _json(build: Callable[[str, int | None], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    return lambda client, value, version: build(value, version)


def _household(w: World) -> Household:
    return registry.household_create(
        actor=w.setup,
        village_code=w.village.code,
        data=household_data("5109810001"),
        members=family(w.county.code),
    ).household


def _row(model: type[Model], pk: Any, field: str) -> Callable[[], Any]:
    return lambda: model._default_manager.filter(pk=pk).values_list(field, flat=True).get()


# --- the records ---------------------------------------------------------------------------


def household_api(w: World) -> Target:
    h = _household(w)
    return Target(
        f"/api/v1/registry/households/{h.pk}",
        _json(lambda v, ver: {"version": ver, "phone": v}),
        _row(Household, h.pk, "phone"),
        _row(Household, h.pk, "version"),
        h.version,
    )


def household_page(w: World) -> Target:
    h = _household(w)
    url = reverse("registry:household_edit", args=[h.pk])
    return Target(
        url, _page(url, "phone"), _row(Household, h.pk, "phone"), _row(Household, h.pk, "version"),
        h.version,
    )  # fmt: skip


def _member(w: World) -> Member:
    return _household(w).members.order_by("pk").first()  # type: ignore[return-value]


def member_api(w: World) -> Target:
    m = _member(w)
    return Target(
        f"/api/v1/registry/members/{m.pk}",
        _json(lambda v, ver: {"version": ver, "ethnicity": v}),
        _row(Member, m.pk, "ethnicity"),
        _row(Member, m.pk, "version"),
        m.version,
    )


def member_page(w: World) -> Target:
    m = _member(w)
    url = reverse("registry:member_edit", args=[m.pk])
    return Target(
        url, _page(url, "ethnicity"), _row(Member, m.pk, "ethnicity"),
        _row(Member, m.pk, "version"), m.version,
    )  # fmt: skip


def _income(w: World) -> Income:
    h = _household(w)
    return registry.income_save(
        actor=w.setup, household_id=h.pk, year=2020, version=0, amounts={"wage": 9000}
    )


def income_api(w: World) -> Target:
    i = _income(w)
    return Target(
        f"/api/v1/registry/households/{i.household_id}/incomes/2020",
        _json(lambda v, ver: {"version": ver, "wage": v}),
        lambda: str(_row(Income, i.pk, "wage")()),
        _row(Income, i.pk, "version"),
        i.version,
    )


def income_page(w: World) -> Target:
    i = _income(w)
    url = reverse("registry:income_edit", args=[i.household_id, 2020])
    return Target(
        url, _page(url, "wage"), lambda: str(_row(Income, i.pk, "wage")()),
        _row(Income, i.pk, "version"), i.version,
    )  # fmt: skip


def _profile(w: World) -> VillageProfile:
    return regions.village_profile_update(
        actor=w.setup, code=w.village.code, version=1, is_poor_village=True, population=40
    )


def profile_api(w: World) -> Target:
    p = _profile(w)
    return Target(
        f"/api/v1/regions/{w.village.code}/profile",
        _json(lambda v, ver: {"version": ver, "is_poor_village": True, "population": int(v)}),
        lambda: str(_row(VillageProfile, p.pk, "population")()),
        _row(VillageProfile, p.pk, "version"),
        p.version,
    )


def profile_page(w: World) -> Target:
    p = _profile(w)
    url = reverse("regions:profile_edit", args=[w.village.code])
    return Target(
        url, _page(url, "population"), lambda: str(_row(VillageProfile, p.pk, "population")()),
        _row(VillageProfile, p.pk, "version"), p.version,
    )  # fmt: skip


def _organisation(w: World) -> Organisation:
    return regions.organisation_create(
        actor=w.setup, region_code=w.county.code, name="射洪市农业农村局", kind="department"
    )


def organisation_api(w: World) -> Target:
    o = _organisation(w)

    def body(v: str, ver: int | None) -> dict[str, Any]:
        return {"version": ver, "name": o.name, "kind": o.kind, "address": v}

    return Target(
        f"/api/v1/organisations/{o.pk}", _json(body), _row(Organisation, o.pk, "address"),
        _row(Organisation, o.pk, "version"), o.version,
    )  # fmt: skip


def organisation_page(w: World) -> Target:
    o = _organisation(w)
    url = reverse("regions:organisation_edit", args=[o.pk])
    return Target(
        url, _page(url, "address"), _row(Organisation, o.pk, "address"),
        _row(Organisation, o.pk, "version"), o.version,
    )  # fmt: skip


def battle_zone_page(w: World) -> Target:
    z = regions.battle_zone_create(
        actor=w.setup, county_code=w.county.code, name="第一战区", leader_name="李四"
    )
    url = reverse("regions:battle_zone_edit", args=[z.pk])
    return Target(
        url, _page(url, "leader_name"), _row(BattleZone, z.pk, "leader_name"),
        _row(BattleZone, z.pk, "version"), z.version,
    )  # fmt: skip


def command_unit_page(w: World) -> Target:
    u = regions.command_unit_create(
        actor=w.setup, region_code=w.county.code, name="射洪市脱贫攻坚指挥部", kind="headquarters"
    )
    url = reverse("regions:command_unit_edit", args=[u.pk])
    return Target(
        url, _page(url, "duties"), _row(CommandUnit, u.pk, "duties"),
        _row(CommandUnit, u.pk, "version"), u.version,
    )  # fmt: skip


def _user(w: World) -> Any:
    return make_user("clerk_edited", ("village", w.village.code), real_name="赵六")


def user_api(w: World) -> Target:
    u = _user(w)
    return Target(
        f"/api/v1/users/{u.pk}",
        _json(lambda v, ver: {"version": ver, "real_name": v}),
        _row(type(u), u.pk, "real_name"),
        _row(type(u), u.pk, "version"),
        u.version,
    )


def user_page(w: World) -> Target:
    u = _user(w)

    def body(client: Client, value: str, version: int | None) -> dict[str, Any]:
        return {"real_name": value, "phone": "", "title": "", "email": "", "version": version}

    return Target(
        reverse("accounts:user_edit", args=[u.pk]), body, _row(type(u), u.pk, "real_name"),
        _row(type(u), u.pk, "version"), u.version,
    )  # fmt: skip


LINE = "registry.poverty_line"


def _override(w: World) -> Parameter:
    from fupin.core import params

    return params.set_parameter(
        actor=w.setup, key=LINE, region_code=w.county.code, year=None, value="4000", reason="县定"
    )


def parameter_api(w: World) -> Target:
    row = _override(w)

    def body(v: str, ver: int | None) -> dict[str, Any]:
        return {
            "key": LINE,
            "region_code": w.county.code,
            "value": v,
            "reason": "调整",
            "version": ver,
        }

    return Target(
        "/api/v1/parameters", _json(body), lambda: str(_row(Parameter, row.pk, "value")()),
        _row(Parameter, row.pk, "version"), row.version,
    )  # fmt: skip


def parameter_page(w: World) -> Target:
    row = _override(w)

    def body(client: Client, v: str, ver: int | None) -> dict[str, Any]:
        return {
            "key": LINE,
            "region_code": w.county.code,
            "value": v,
            "reason": "调整",
            "version": ver,
        }

    return Target(
        reverse("web:parameter_set"), body, lambda: str(_row(Parameter, row.pk, "value")()),
        _row(Parameter, row.pk, "version"), row.version,
    )  # fmt: skip


def code_page(w: World) -> Target:
    item = CodeItem.objects.get(list_key="Cause", value="illness")

    def body(client: Client, v: str, ver: int | None) -> dict[str, Any]:
        return {"label": v, "position": item.position, "active": "1", "version": ver}

    return Target(
        reverse("web:code_update", args=[item.pk]), body, _row(CodeItem, item.pk, "label"),
        _row(CodeItem, item.pk, "version"), item.version,
    )  # fmt: skip


def calendar_save_page(w: World) -> Target:
    row = CalendarYear.objects.get(year=2026)
    texts = calendar.calendar_year(w.setup, 2026)
    assert texts.workdays_text  # 2026 has adjusted working days for the first writer to drop

    def body(client: Client, v: str, ver: int | None) -> dict[str, Any]:
        keep = texts.workdays_text if v == "keep" else ""  # the first writer drops them
        return {"holidays": texts.holidays_text, "workdays": keep, "version": ver}

    def stored() -> str:
        return "keep" if CalendarYear.objects.get(pk=row.pk).days.filter(kind="workday") else ""

    return Target(
        reverse("web:calendar_year_save", args=[2026]), body, stored,
        _row(CalendarYear, row.pk, "version"), row.version,
    )  # fmt: skip


def calendar_status_page(w: World) -> Target:
    row = CalendarYear.objects.get(year=2026)

    def body(client: Client, v: str, ver: int | None) -> dict[str, Any]:
        return {"status": v, "version": ver}

    return Target(
        reverse("web:calendar_year_status", args=[2026]), body,
        _row(CalendarYear, row.pk, "status"), _row(CalendarYear, row.pk, "version"), row.version,
    )  # fmt: skip


def light_target_page(w: World) -> Target:
    row = lights.target_save(
        actor=w.setup, region_code=w.township.code, indicator_code="fund_spending", year=2024,
        quarter=1, target=Decimal("25"),
    )  # fmt: skip

    def body(client: Client, v: str, ver: int | None) -> dict[str, Any]:
        return {
            "region": w.township.code, "indicator": "fund_spending", "year": "2024",
            "quarter": "1", "target": v, "version": "" if ver is None else ver,
        }  # fmt: skip

    return Target(
        reverse("supervision:light_target"), body,
        lambda: str(_row(QuarterTarget, row.pk, "target")()),
        _row(QuarterTarget, row.pk, "version"), row.version,
    )  # fmt: skip


API = "put /api/v1"
EDITS = [
    Edit(f"{API}/registry/households/{{household_id}}", "registry.Household", "put",
         ("13700000001", "13700000002"), household_api),
    Edit("registry:household_edit", "registry.Household", "post",
         ("13700000001", "13700000002"), household_page),
    Edit(f"{API}/registry/members/{{member_id}}", "registry.Member", "put", ("回族", "藏族"),
         member_api),
    Edit("registry:member_edit", "registry.Member", "post", ("回族", "藏族"), member_page),
    Edit(f"{API}/registry/households/{{household_id}}/incomes/{{year}}", "registry.Income",
         "put", ("12000.00", "13000.00"), income_api),
    Edit("registry:income_edit", "registry.Income", "post", ("12000.00", "13000.00"),
         income_page),
    Edit(f"{API}/regions/{{code}}/profile", "regions.VillageProfile", "put", ("50", "60"),
         profile_api),
    Edit("regions:profile_edit", "regions.VillageProfile", "post", ("50", "60"), profile_page),
    Edit(f"{API}/organisations/{{org_id}}", "regions.Organisation", "put",
         ("太和街道1号", "太和街道2号"), organisation_api),
    Edit("regions:organisation_edit", "regions.Organisation", "post",
         ("太和街道1号", "太和街道2号"), organisation_page),
    Edit("regions:battle_zone_edit", "regions.BattleZone", "post", ("张三", "王五"),
         battle_zone_page),
    Edit("regions:command_unit_edit", "regions.CommandUnit", "post", ("统筹调度", "督战"),
         command_unit_page),
    Edit(f"{API}/users/{{user_id}}", "accounts.User", "put", ("赵六一", "赵六二"), user_api),
    Edit("accounts:user_edit", "accounts.User", "post", ("赵六一", "赵六二"), user_page),
    Edit(f"{API}/parameters", "core.Parameter", "put", ("4100", "4200"), parameter_api),
    Edit("web:parameter_set", "core.Parameter", "post", ("4100", "4200"), parameter_page),
    Edit("web:code_update", "core.CodeItem", "post", ("因病", "疾病"), code_page),
    Edit("web:calendar_year_save", "core.CalendarYear", "post", ("", "keep"),
         calendar_save_page),
    Edit("web:calendar_year_status", "core.CalendarYear", "post", ("provisional", "official"),
         calendar_status_page),
    Edit("supervision:light_target", "supervision.QuarterTarget", "post", ("30.00", "40.00"),
         light_target_page),
]  # fmt: skip
