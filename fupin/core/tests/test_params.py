"""Parameter resolution, the edit services, the parameter page and API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.core import params
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.models import Parameter
from fupin.testing import assert_jurisdiction, client_for, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

LINE = "registry.poverty_line"


def override(region_code: str, value: str, year: int | None = None) -> Parameter:
    return Parameter.objects.create(key=LINE, region_code=region_code, year=year, value=value)


def test_per_year_defaults_and_generic_default(village):
    assert params.get(LINE, region_code=village.code) == Decimal("4000")
    assert params.get(LINE, region_code=village.code, year=2016) == Decimal("3146")
    assert params.get(LINE, region_code=village.code, year=2019) == Decimal("3747")
    assert params.get(LINE, region_code=village.code, year=2023) == Decimal("4000")
    assert params.get("registry.monitoring_line", year=2021) == Decimal("6000")
    assert params.get("workflows.notice_days") == 7
    assert params.get("village.incidence_threshold", region_code=village.code) == Decimal("3")


def test_national_override_beats_default(village):
    override("", "4100")
    assert params.get(LINE, region_code=village.code) == Decimal("4100")


def test_narrower_region_wins(village, county, sibling_county):
    override("", "4100")
    override("51", "4200")
    override(county.code, "4300")
    assert params.get(LINE, region_code=village.code) == Decimal("4300")
    assert params.get(LINE, region_code=county.code) == Decimal("4300")
    assert params.get(LINE, region_code=sibling_county.code) == Decimal("4200")
    assert params.get(LINE, region_code="11") == Decimal("4100")


def test_year_specific_override_applies_to_its_year_only(village, county):
    override(county.code, "4300")
    override(county.code, "4500", year=2019)
    assert params.get(LINE, region_code=village.code, year=2019) == Decimal("4500")
    assert params.get(LINE, region_code=village.code, year=2018) == Decimal("4300")
    assert params.get(LINE, region_code=village.code) == Decimal("4300")


def test_set_parameter_scopes_validates_and_audits(admin_personas, county, village):
    admin = load_actor(admin_personas.in_region)
    row = params.set_parameter(
        actor=admin, key=LINE, region_code=county.code, year=2020, value="4100.5", reason="县定"
    )
    assert params.get(LINE, region_code=village.code, year=2020) == Decimal("4100.5")
    event = AuditEvent.objects.get(table_name="core_parameter", object_pk=str(row.pk))
    assert event.reason == "县定"
    with pytest.raises(NotFound):
        params.set_parameter(
            actor=load_actor(admin_personas.out_of_region),
            key=LINE,
            region_code=village.code,
            year=None,
            value="1",
            reason="越权",
        )
    with pytest.raises(PermissionDenied):
        params.set_parameter(
            actor=load_actor(admin_personas.read_only),
            key=LINE,
            region_code=county.code,
            year=None,
            value="1",
            reason="只读",
        )
    with pytest.raises(PermissionDenied, match="系统管理员"):
        params.set_parameter(
            actor=admin, key=LINE, region_code="", year=None, value="1", reason="全国"
        )
    with pytest.raises(ValidationFailed, match="格式不正确"):
        params.set_parameter(
            actor=admin, key=LINE, region_code=county.code, year=None, value="四千", reason="x"
        )
    with pytest.raises(ValidationFailed, match="原因"):
        params.set_parameter(
            actor=admin, key=LINE, region_code=county.code, year=None, value="1", reason=" "
        )


def test_optimistic_lock_on_update(admin_personas, county):
    admin = load_actor(admin_personas.in_region)
    kwargs = {"actor": admin, "key": LINE, "region_code": county.code, "year": None}
    row = params.set_parameter(**kwargs, value="4100", reason="首次")
    with pytest.raises(Conflict):
        params.set_parameter(**kwargs, value="4200", reason="未带版本")
    updated = params.set_parameter(**kwargs, value="4200", reason="修改", version=row.version)
    assert updated.version == row.version + 1
    with pytest.raises(Conflict):
        params.set_parameter(**kwargs, value="4300", reason="旧版本", version=row.version)
    assert params.get(LINE, region_code=county.code) == Decimal("4200")


def test_delete_override_falls_back(admin_personas, county):
    admin = load_actor(admin_personas.in_region)
    row = params.set_parameter(
        actor=admin, key=LINE, region_code=county.code, year=None, value="4100", reason="设"
    )
    with pytest.raises(NotFound):
        params.delete_override(
            actor=load_actor(admin_personas.out_of_region), pk=row.pk, reason="删"
        )
    params.delete_override(actor=admin, pk=row.pk, reason="恢复默认", version=row.version)
    assert params.get(LINE, region_code=county.code) == Decimal("4000")
    assert AuditEvent.objects.filter(table_name="core_parameter", action="D").get().reason == (
        "恢复默认"
    )


def test_system_admin_sets_national_value():
    root = load_actor(make_user("root", ("sysadmin", "51")))
    params.set_parameter(
        actor=root, key="workflows.notice_days", region_code="", year=None, value="10", reason="调"
    )
    assert params.get("workflows.notice_days", region_code="510981") == 10


# --- page


def test_parameter_page_lists_definitions_and_effective_values(admin_personas, county):
    override(county.code, "4321")
    response = client_for(admin_personas.in_region).get(reverse("web:parameters"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "贫困标准（农民人均纯收入）" in text and "审计日志保留天数" in text
    assert "4321" in text and "射洪市" in text
    assert "设置覆盖值" in text  # the edit form


def test_parameter_page_year_shows_year_default(admin_personas, county):
    url = reverse("web:parameters") + f"?region={county.code}&year=2016"
    text = client_for(admin_personas.read_only).get(url).content.decode()
    assert "3146" in text
    assert "设置覆盖值" not in text  # the viewer has no edit right


def test_jurisdiction_parameter_page(admin_personas, county):
    assert_jurisdiction(admin_personas, "get", reverse("web:parameters") + f"?region={county.code}")


def test_jurisdiction_parameter_set_form(admin_personas, county, village):
    url = reverse("web:parameter_set")
    data = {"key": LINE, "region_code": village.code, "value": "4800", "reason": "村定"}
    assert client_for(admin_personas.out_of_region).post(url, data).status_code == 404
    assert client_for(admin_personas.read_only).post(url, data).status_code == 403
    response = client_for(admin_personas.in_region).post(url, data)
    assert response.status_code == 302
    assert params.get(LINE, region_code=village.code) == Decimal("4800")


def test_parameter_set_form_shows_chinese_error(admin_personas, county):
    data = {"key": "audit.retention_days", "region_code": county.code, "value": "30", "reason": "x"}
    response = client_for(admin_personas.in_region).post(reverse("web:parameter_set"), data)
    assert response.status_code == 422
    assert "不得小于 180" in response.content.decode()
    assert not Parameter.objects.filter(key="audit.retention_days").exists()


def test_jurisdiction_parameter_delete_form(admin_personas, county):
    row = override(county.code, "4100")
    url = reverse("web:parameter_delete", args=[row.pk])
    data = {"reason": "恢复", "version": row.version}
    assert client_for(admin_personas.out_of_region).post(url, data).status_code == 404
    assert client_for(admin_personas.read_only).post(url, data).status_code == 403
    assert client_for(admin_personas.in_region).post(url, data).status_code == 302
    assert not Parameter.objects.filter(pk=row.pk).exists()


# --- API


def test_jurisdiction_parameters_api_list(admin_personas, county):
    override(county.code, "4321")
    assert_jurisdiction(admin_personas, "get", f"/api/v1/parameters?region={county.code}")
    data = client_for(admin_personas.in_region).get("/api/v1/parameters").json()
    line = next(item for item in data["items"] if item["key"] == LINE)
    assert line["effective"] == "4321"
    assert line["year_defaults"]["2016"] == "3146"
    assert line["overrides"][0]["region_name"] == "射洪市"


def test_jurisdiction_parameters_api_put(admin_personas, county):
    payload = {"key": LINE, "region_code": county.code, "value": "4600", "reason": "县定"}
    assert_jurisdiction(admin_personas, "put", "/api/v1/parameters", payload)
    assert params.get(LINE, region_code=county.code) == Decimal("4600")
    again = client_for(admin_personas.in_region).put(
        "/api/v1/parameters", data=payload, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_jurisdiction_parameters_api_delete(admin_personas, county):
    row = override(county.code, "4100")
    assert_jurisdiction(admin_personas, "delete", f"/api/v1/parameters/{row.pk}?reason=恢复默认")
    assert not Parameter.objects.filter(pk=row.pk).exists()


def test_get_years_agrees_with_get_for_every_year(village):
    from fupin.core.models import Parameter

    Parameter.objects.create(key="registry.poverty_line", region_code="", year=2018, value="3600")
    Parameter.objects.create(
        key="registry.poverty_line", region_code=village.code[:6], value="4100"
    )
    Parameter.objects.create(
        key="registry.poverty_line", region_code=village.code[:6], year=2019, value="3900"
    )
    years = list(range(2015, 2023))
    for code in ("", village.code[:2], village.code):
        many = params.get_years("registry.poverty_line", region_code=code, years=years)
        assert many == {
            y: params.get("registry.poverty_line", region_code=code, year=y) for y in years
        }
    assert params.get_years("village.incidence_threshold", region_code="410102", years=[2020]) == {
        2020: params.get("village.incidence_threshold", region_code="410102", year=2020)
    }


def test_deleting_a_changed_override_names_who_changed_it(admin_personas, county):
    actor = load_actor(admin_personas.in_region)
    row = override(county.code, "4100")
    params.set_parameter(
        actor=actor, key=LINE, region_code=county.code, year=None, value="4200",
        reason="调整", version=row.version,
    )  # fmt: skip
    with pytest.raises(Conflict, match=f"该参数覆盖值已被 {admin_personas.in_region} 于 "):
        params.delete_override(actor=actor, pk=row.pk, reason="恢复", version=row.version)
    assert Parameter.objects.get(pk=row.pk).value == "4200"
