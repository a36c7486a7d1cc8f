"""Opening each case type through its page (/cases/new/<kind>/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from fupin.core import idnumber
from fupin.regions.models import VillageProfile
from fupin.registry.models import Household
from fupin.testing import client_for
from fupin.workflows.conftest import make_household, upload
from fupin.workflows.models import Case

pytestmark = pytest.mark.django_db


def new_url(kind: str) -> str:
    return reverse("workflows:case_new", args=[kind])


def html(response: Any) -> str:
    return str(response.content.decode())


def created(kind: str) -> Case:
    return Case.objects.filter(kind=kind).latest("id")


def test_identification_form_registers_the_applicant_and_opens_the_case(officials, village):
    county = village.code[:6]
    member = {
        "name": "周长贵",
        "id_number": idnumber.make(county, dt.date(1966, 4, 2), 31),
        "relation": "head",
        "ethnicity": "汉族",
        "political_status": "masses",
        "schooling": "not_in_school",
        "health": "serious",
        "labour": "weak",
        "employment_months": "0",
        "insured_medical": "on",
    }
    data = {
        "village_code": village.code,
        "reason": "户主患大病，家庭无稳定收入",
        "household_no": "",
        "attribute": "general",
        "standard": "national",
        "main_cause": "illness",
        "housing_grade": "B",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        **{f"members-0-{k}": v for k, v in member.items()},
    }
    client = client_for(officials.village_user)
    response = client.post(new_url("identification"), {**data, "reason": ""})
    assert response.status_code == 200 and "必填" in html(response)
    assert not Case.objects.exists()
    response = client.post(new_url("identification"), data, follow=True)
    assert response.status_code == 200
    case = created("identification")
    assert "已发起“贫困户识别”" in html(response) and case.case_no in html(response)
    assert case.household is not None and case.household.status == "applicant"
    assert case.household.head_name == "周长贵"
    assert case.household.household_no.startswith(village.code)  # numbered automatically
    assert case.data["reason"] == "户主患大病，家庭无稳定收入"


def test_household_exit_and_return_forms(officials, village):
    o = officials
    poor = make_household(o.village, village)
    client = client_for(o.village_user)
    response = client.post(
        new_url("household_exit"), {"household": poor.pk, "reason": "务工收入稳定，两不愁三保障"}
    )
    case = created("household_exit")
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{case.pk}/")
    assert case.household_id == poor.pk and case.state == "proposed"
    response = client.post(new_url("household_exit"), {"household": poor.pk, "reason": "重复提出"})
    assert response.status_code == 200 and "已有办理中的“贫困户退出”" in html(response)
    # the same form for 返贫: only an exited household may be reported
    response = client.post(new_url("return_poverty"), {"household": poor.pk, "reason": "因灾返贫"})
    assert response.status_code == 200 and "只有已脱贫户可以申报返贫" in html(response)
    exited = make_household(o.village, village, status="exited")
    # picking the household by its number
    response = client.get(new_url("return_poverty"), {"household_no": exited.household_no})
    assert response.status_code == 302 and f"household={exited.pk}" in response["Location"]
    response = client.post(
        new_url("return_poverty"), {"household": exited.pk, "reason": "洪灾冲毁房屋，返贫"}
    )
    assert response.status_code == 302
    assert created("return_poverty").household_id == exited.pk


def test_member_change_forms_for_joining_and_leaving(officials, village):
    o = officials
    household = make_household(o.village, village)
    client = client_for(o.village_user)
    baby = idnumber.make(village.code[:6], dt.date(2025, 1, 5), 41)
    response = client.post(
        new_url("member_change"),
        {
            "household": household.pk,
            "change_kind": "birth",
            "occurred_on": "2025-01-05",
            "new_name": "张小宝",
            "new_id_number": baby,
            "new_relation": "grandson",
            "new_insured": "on",
            "reason": "新生儿落户",
            "evidence": upload("chusheng.pdf"),
        },
    )
    assert response.status_code == 302, html(response)[-3000:]
    case = created("member_change")
    assert case.data["new_member"]["name"] == "张小宝" and case.documents.count() == 1
    page = html(client.get(reverse("workflows:case_detail", args=[case.pk])))
    assert "张小宝" in page and baby not in page  # the staff page masks the number
    other = make_household(o.village, village)
    spouse = other.members.get(relation="spouse")
    response = client.post(
        new_url("member_change"),
        {
            "household": other.pk,
            "change_kind": "death",
            "occurred_on": "2025-03-01",
            "member": spouse.pk,
            "reason": "因病去世",
        },
    )
    assert response.status_code == 302
    assert created("member_change").data["member_id"] == spouse.pk
    response = client.post(
        new_url("member_change"),
        {"household": other.pk, "change_kind": "move_in", "occurred_on": "2025-03-01",
         "reason": "迁入"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "已有办理中的" in html(response) or "请填写新增成员的姓名和身份证号" in html(response)


def test_monitoring_form_and_verify_step(officials, village):
    o = officials
    household = make_household(o.village, village, status="exited")
    client = client_for(o.village_user)
    response = client.post(
        new_url("monitoring"),
        {
            "household": household.pk,
            "risk_types": ["medical", "income_drop"],
            "medical_expense": "45000",
            "reason": "户主住院手术，自付医疗费较多",
        },
    )
    assert response.status_code == 302
    case = created("monitoring")
    assert case.channel == "cadre" and case.data["risk_score"] > 0
    page = html(client.get(reverse("workflows:case_detail", args=[case.pk])))
    assert 'name="verify-category"' in page and 'name="verify-risk_types"' in page
    assert "请选择监测对象类别" in page  # shown before clicking, but the select may fix it
    response = client.post(
        reverse("workflows:case_step", args=[case.pk, "verify"]),
        {
            "verify-version": case.version,
            "verify-comment": "入户核实属实",
            "verify-category": "unstable",
            "verify-risk_types": ["medical"],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "verified" and case.data["category"] == "unstable"
    assert case.data["risk_types"] == ["medical"]


def test_village_and_county_exit_forms(officials, village, county):
    o = officials
    VillageProfile.objects.update_or_create(
        region_id=village.code,
        defaults={"county_code": village.code[:6], "is_poor_village": True,
                  "rural_population": 800},
    )  # fmt: skip
    township = client_for(o.township_user)
    page = html(township.get(new_url("village_exit")))
    assert village.name in page
    response = township.post(
        new_url("village_exit"), {"region": village.code, "reason": "贫困发生率已降至2%以下"}
    )
    assert response.status_code == 302
    assert created("village_exit").region_code == village.code
    response = township.post(new_url("village_exit"), {"region": "510903001001", "reason": "越权"})
    assert response.status_code == 200 and "请选择您辖区内的对象" in html(response)
    office = client_for(o.county_user)
    response = office.post(
        new_url("county_exit"), {"region": county.code, "reason": "各项指标达到摘帽标准"}
    )
    assert response.status_code == 302
    assert created("county_exit").region_code == county.code
    # the village cannot open a county case
    assert client_for(o.village_user).get(new_url("county_exit")).status_code == 403
    assert Household.objects.count() == 0
