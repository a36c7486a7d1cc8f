"""Issue 12, point 1: masked by default for every role, an audited reveal for holders of
PERSONAL_DATA_VIEW (pages by POST with a reason, API `reveal=true`, the full export), age
instead of the birth date and no health details for roles without the right."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.audit.services import NO_REVEAL
from fupin.core import crypto
from fupin.registry import privacy, services
from fupin.testing import client_for, make_user

from .factories import family, household_data

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

API = "/api/v1/registry"
PHONE = "13812345678"
BANK = "6217000012345678"


@pytest.fixture
def household(county_personas, village):
    members = family(village.code[:6])
    members[2].update(health="disabled", disability_grade=2)
    return services.household_create(
        actor=load_actor(county_personas.in_region),
        village_code=village.code,
        data=household_data("5109810001", phone=PHONE, bank_account=BANK),
        members=members,
    ).household


def reveals(user=None):
    rows = AuditEvent.objects.filter(action="R")
    return rows.filter(actor_id=user.pk) if user is not None else rows


# --- pages ------------------------------------------------------------------------------------


def test_member_reveal_records_who_what_and_why_before_showing(household, county_personas):
    office = county_personas.in_region
    son = household.members.get(relation="son")
    full = crypto.decrypt(son.id_cipher)
    client = client_for(office)
    url = reverse("registry:member_reveal", args=[son.pk])
    refused = client.post(url, {"reason_choice": "其他", "reason_text": " "}).content.decode()
    assert full not in refused and "请说明查看完整信息的理由" in refused
    assert not reveals().exists()
    shown = client.post(url, {"reason_choice": "办理业务", "reason_text": "医保报销"})
    assert full in shown.content.decode() and "已留痕" in shown.content.decode()
    event = reveals(office).get()
    assert (event.table_name, event.object_pk) == ("registry_member", str(son.pk))
    assert event.reason == "办理业务：医保报销" and event.new["fields"] == ["id_number"]


def test_household_phone_and_bank_account_are_masked_with_a_reveal(household, county_personas):
    office = county_personas.in_region
    client = client_for(office)
    url = reverse("registry:household_detail", args=[household.pk])
    html = client.get(url, {"tab": "basic"}).content.decode()
    assert PHONE not in html and BANK not in html and "138****5678" in html
    assert html.count("确认查看") == 2
    reveal = reverse("registry:household_reveal", args=[household.pk, "bank_account"])
    shown = client.post(reveal, {"reason_choice": "核实身份"}).content.decode()
    assert BANK in shown and PHONE not in shown
    assert reveals(office).get().new["fields"] == ["bank_account"]
    bad = reverse("registry:household_reveal", args=[household.pk, "id_cipher"])
    assert client.post(bad, {"reason_choice": "核实身份"}).status_code == 404


def test_members_tab_shows_age_and_hides_health_without_the_rights(household, county):
    url = reverse("registry:household_detail", args=[household.pk])
    son = household.members.get(relation="son")
    born = f"{son.birth_date:%Y-%m-%d}"
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    html = viewer.get(url, {"tab": "members"}).content.decode()
    assert born not in html and "出生日期" not in html
    assert privacy.HIDDEN in html and "残疾" not in html and "2级" not in html
    industry = client_for(make_user("industry", ("industry", county.code)))
    assert "残疾" not in industry.get(url, {"tab": "members"}).content.decode()
    # A township cadre (personal view and health view) sees both.
    township = make_user("township", ("township", household.region_code[:9]))
    html = client_for(township).get(url, {"tab": "members"}).content.decode()
    assert born in html and "残疾（2级）" in html and privacy.HIDDEN not in html


def test_member_edit_page_shows_the_masked_id(household, county_personas):
    son = household.members.get(relation="son")
    html = (
        client_for(county_personas.in_region)
        .get(reverse("registry:member_edit", args=[son.pk]))
        .content.decode()
    )
    assert crypto.decrypt(son.id_cipher) not in html and son.id_masked in html


# --- API --------------------------------------------------------------------------------------


def test_api_members_give_age_not_birth_date_and_no_health_without_the_rights(household, county):
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    rows = viewer.get(f"{API}/households/{household.pk}/members").json()
    son = next(r for r in rows if r["relation"] == "son")
    assert son["birth_date"] is None and isinstance(son["age"], int)
    assert son["health"] is None and son["disability_grade"] is None
    assert son["id_number"].endswith("*" * 12)
    refused = viewer.get(f"{API}/households/{household.pk}/members?reveal=true&reason=核实")
    assert refused.status_code == 403 and refused.json()["message"] == NO_REVEAL
    assert not reveals().exists()


def test_api_members_give_birth_date_and_health_to_the_office(household, county_personas):
    rows = client_for(county_personas.in_region).get(f"{API}/households/{household.pk}/members")
    son = next(r for r in rows.json() if r["relation"] == "son")
    assert son["birth_date"] and son["health"] == "disabled" and son["disability_grade"] == 2


def test_api_household_reveal_needs_a_reason_and_is_audited(household, county_personas):
    office = county_personas.in_region
    client = client_for(office)
    url = f"{API}/households/{household.pk}"
    assert client.get(url).json()["phone"] == "138****5678"
    assert client.get(url, {"reveal": "true"}).status_code == 422
    shown = client.get(url, {"reveal": "true", "reason": "数据比对"}).json()
    assert (shown["phone"], shown["bank_account"]) == (PHONE, BANK)
    event = reveals(office).get()
    assert event.table_name == "registry_household" and event.reason == "数据比对"
    assert set(event.new["fields"]) == {"phone", "bank_account"}


def test_api_household_list_masks_phones_for_the_office(household, county_personas):
    items = client_for(county_personas.in_region).get(f"{API}/households").json()["items"]
    assert [i["phone"] for i in items] == ["138****5678"]


# --- exports ----------------------------------------------------------------------------------


def _rows(response) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_full_export_is_a_post_with_a_reason_and_is_audited(household, county_personas):
    office = county_personas.in_region
    client = client_for(office)
    url = reverse("registry:export") + "?format=csv"
    head = household.members.get(relation="head")
    full = crypto.decrypt(head.id_cipher)
    # A link cannot ask for the full export.
    assert full not in str(_rows(client.get(url + "&full=1")))
    missing = client.post(url, {"full": "1", "reason_choice": "其他"})
    assert missing.status_code == 422 and not reveals().exists()
    rows = _rows(client.post(url, {"full": "1", "reason_choice": "上级核查", "reason": "年度核查"}))
    assert rows[0]["身份证号"] == full and rows[0]["联系电话"] == PHONE
    event = reveals(office).get()
    assert event.table_name == "registry_household" and event.reason == "上级核查：年度核查"
    assert event.new["kind"] == "export" and event.new["format"] == "csv"


def test_full_export_is_refused_to_a_role_without_personal_view(household, county):
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    url = reverse("registry:export") + "?format=csv"
    response = viewer.post(url, {"full": "1", "reason_choice": "核实身份"})
    assert response.status_code == 403 and "导出完整身份信息" in response.content.decode()
    api = viewer.get("/api/v1/registry/exports/households?format=csv&full=true&reason=x")
    assert api.status_code == 403 and not reveals().exists()


def test_api_full_export_with_a_reason(household, county_personas, tmp_path):
    office = county_personas.in_region
    response = client_for(office).get(
        "/api/v1/registry/exports/households", {"format": "xlsx", "full": "true", "reason": "比对"}
    )
    assert response.status_code == 200
    assert reveals(office).get().new["rows"] == 3  # members written


def test_list_page_offers_the_full_export_to_holders_only(household, county, county_personas):
    url = reverse("registry:household_list")
    assert "含完整身份信息导出" in client_for(county_personas.in_region).get(url).content.decode()
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    assert "含完整身份信息导出" not in viewer.get(url).content.decode()


def test_doubt_messages_give_the_age_not_the_birth_date(county_personas, village):
    import datetime as dt

    from .factories import member

    born = dt.date(1990, 7, 15)
    result = services.household_create(
        actor=load_actor(county_personas.in_region),
        village_code=village.code,
        data=household_data("5109810009"),
        members=[
            member(village.code[:6], "王五", "head", dt.date(1960, 1, 1)),
            member(village.code[:6], "王小五", "son", born),
            member(village.code[:6], "王小五", "son", born),
        ],
    )
    messages = [i.message for i in result.warnings if i.code == "H016"]
    assert messages and all("1990-07-15" not in m and "岁" in m for m in messages)
