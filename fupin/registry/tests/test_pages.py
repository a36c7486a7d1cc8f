"""Household pages: list, detail tabs, create with members, edit conflicts, member changes."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.accounts.selectors import load_actor
from fupin.core import crypto
from fupin.registry import services
from fupin.registry.models import Doubt, Household
from fupin.testing import assert_jurisdiction, client_for, make_user

from .factories import family, household_data, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_user(county_personas):
    return county_personas.in_region


@pytest.fixture
def household(office_user, village):
    actor = load_actor(office_user)
    result = services.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data("5109810001", phone="13812345678"),
        members=family(village.code[:6]),
    )
    services.income_save(
        actor=actor, household_id=result.household.pk, year=2019, version=0, amounts={"wage": 9000}
    )
    return result.household


def many(actor, village, n, start=10):
    for i in range(start, start + n):
        head = member("510981", f"刘{i}", "head", dt.date(1950, 1, 1) + dt.timedelta(days=i))
        services.household_create(
            actor=actor,
            village_code=village.code,
            data=household_data(f"5109819{i:03d}", phone="13900001111"),
            members=[head],
        )


def test_list_pages_with_next_link_and_masks_phones_for_viewers(
    household, office_user, village, county, django_assert_max_num_queries
):
    many(load_actor(office_user), village, 12)
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    url = reverse("registry:household_list")
    with django_assert_max_num_queries(14):  # fixed: no query per row of the 10 shown
        response = viewer.get(url, {"size": 10})
    html = response.content.decode()
    assert response.status_code == 200
    assert "共约 13 户" in html or "共约 13 户".replace(" ", "") in html.replace(" ", "")
    assert "138****5678" in html and "13812345678" not in html
    assert html.count('href="/registry/households/') >= 10
    assert "下一页" in html
    # Following 下一页 to the end visits every household exactly once.
    seen, pages = [], 0
    next_url: str | None = f"{url}?size=5"
    while next_url:
        page = viewer.get(next_url)
        pages += 1
        ctx = page.context
        seen += [row["h"].pk for row in ctx["rows"]]
        next_url = url + ctx["next_url"] if ctx["next_url"] else None
    assert pages == 3 and len(seen) == len(set(seen)) == 13


def test_list_filters_and_search(household, office_user, village):
    client = client_for(office_user)
    url = reverse("registry:household_list")
    number = crypto.decrypt(household.members.get(relation="son").id_cipher)
    many(load_actor(office_user), village, 3)
    hits = client.post(url, {"q": number}, follow=True).context["rows"]  # ID numbers: by POST
    assert [r["h"].pk for r in hits] == [household.pk]
    assert [r["h"].pk for r in client.get(url, {"q": "5109810001"}).context["rows"]] == [
        household.pk
    ]
    Doubt.objects.create(
        household=household,
        county_code="510981",
        region_code=household.region_code,
        rule_code="M020",
        severity="warning",
        message="疑点",
    )
    rows = client.get(url, {"rule": "M020"}).context["rows"]
    assert [r["h"].pk for r in rows] == [household.pk]
    assert "没有符合条件的贫困户" in client.get(url, {"status": "exited"}).content.decode()


def test_list_jurisdiction(household, county_personas, county):
    url = reverse("registry:household_list")
    other = client_for(county_personas.out_of_region)
    assert other.get(url).context["rows"] == []
    assert_jurisdiction(county_personas, "get", f"{url}?region={county.code}")


@pytest.mark.parametrize(
    "tab,text",
    [
        ("basic", "5109810001"),
        ("members", "李秀兰"),
        ("conditions", "住房安全等级"),
        ("incomes", "人均纯收入"),
        ("doubts", "发现时间"),
        ("changes", "没有成员变更记录"),
        ("history", "hx-get"),
    ],
)
def test_detail_tabs_render(household, office_user, tab, text, django_assert_max_num_queries):
    client = client_for(office_user)
    url = reverse("registry:household_detail", args=[household.pk])
    with django_assert_max_num_queries(15):
        response = client.get(url, {"tab": tab})
    html = response.content.decode()
    assert response.status_code == 200 and text in html
    for label in ("基本信息", "家庭成员", "生产生活条件", "年度收入", "疑点", "变更记录", "历史"):
        assert label in html


def test_incomes_tab_compares_with_the_years_lines(household, office_user):
    html = (
        client_for(office_user)
        .get(reverse("registry:household_detail", args=[household.pk]), {"tab": "incomes"})
        .content.decode()
    )
    # 9000 / 3 = 3000.00 per head, below the 2019 line 3747 and the monitoring line.
    assert "3000.00" in html and "3747" in html and "低于" in html


def test_doubts_tab_lists_the_households_doubts(household, office_user):
    Doubt.objects.filter(household=household).delete()
    Doubt.objects.create(
        household=household,
        county_code="510981",
        region_code=household.region_code,
        rule_code="M099",
        severity="warning",
        message="测试疑点说明",
    )
    html = (
        client_for(office_user)
        .get(reverse("registry:household_detail", args=[household.pk]), {"tab": "doubts"})
        .content.decode()
    )
    assert "M099" in html and "测试疑点说明" in html


def test_history_tab_points_at_the_audit_history(household, office_user):
    html = (
        client_for(office_user)
        .get(reverse("registry:household_detail", args=[household.pk]), {"tab": "history"})
        .content.decode()
    )
    history = reverse("audit:history", args=["registry_household", household.pk])
    assert history in html
    assert client_for(office_user).get(history).status_code == 200


def test_members_tab_masks_ids_and_reveal_needs_the_permission(household, office_user, county):
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    url = reverse("registry:household_detail", args=[household.pk])
    head = household.members.get(relation="head")
    full = crypto.decrypt(head.id_cipher)
    html = viewer.get(url, {"tab": "members"}).content.decode()
    assert head.id_masked in html and full not in html and "确认查看" not in html
    reveal = reverse("registry:member_reveal", args=[head.pk])
    reason = {"reason_choice": "核实身份", "reason_text": ""}
    assert viewer.post(reveal, reason).status_code == 403
    office = client_for(office_user)
    assert office.get(reveal).status_code == 405  # never a GET: no value in an access log
    html = office.get(url, {"tab": "members"}).content.decode()
    assert full not in html and "确认查看" in html  # masked by default, with the reveal box
    assert full in office.post(reveal, reason).content.decode()


def test_detail_jurisdiction(household, county_personas):
    assert_jurisdiction(
        county_personas, "get", reverse("registry:household_detail", args=[household.pk])
    )


def _member_post(prefix, i, m):
    return {
        f"{prefix}-{i}-name": m["name"],
        f"{prefix}-{i}-id_number": m["id_number"],
        f"{prefix}-{i}-relation": m["relation"],
        f"{prefix}-{i}-ethnicity": "汉族",
        f"{prefix}-{i}-political_status": "masses",
        f"{prefix}-{i}-schooling": m.get("schooling", "not_in_school"),
        f"{prefix}-{i}-health": "healthy",
        f"{prefix}-{i}-labour": "ordinary",
        f"{prefix}-{i}-employment_months": "0",
        f"{prefix}-{i}-insured_medical": "on",
    }


def _create_post(village, members, no="5109810099"):
    data = {
        "village_code": village.code,
        "household_no": no,
        "attribute": "general",
        "standard": "national",
        "identified_year": "2015",
        "main_cause": "illness",
        "housing_grade": "B",
        "production_power": "on",
        "domestic_power": "on",
        "water_safe": "on",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(members):
        data.update(_member_post("members", i, m))
    return data


def test_create_with_members(office_user, village):
    client = client_for(office_user)
    url = reverse("registry:household_create")
    assert "添加成员" in client.get(url).content.decode()
    response = client.post(url, _create_post(village, family("510981")))
    household = Household.objects.get(household_no="5109810099")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    assert household.declared_size == 3 and household.head_name == "张大山"


def test_create_errors_are_chinese_and_next_to_fields(office_user, village, household):
    client = client_for(office_user)
    members = family("510981")
    members[1]["id_number"] = "510981197205091234"  # wrong check digit
    members[2]["id_number"] = crypto.decrypt(household.members.get(relation="son").id_cipher)
    response = client.post(reverse("registry:household_create"), _create_post(village, members))
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "校验位错误" in formset.forms[1].errors["id_number"][0]
    members[1] = member("510981", "李秀兰", "spouse", dt.date(1972, 5, 9), male=False)
    response = client.post(reverse("registry:household_create"), _create_post(village, members))
    assert "已登记为 张大山 户" in response.context["formset"].forms[2].errors["id_number"][0]
    members = family("510981")
    members[1]["relation"] = "head"
    response = client.post(reverse("registry:household_create"), _create_post(village, members))
    assert "只有一名户主" in response.content.decode()
    assert Household.objects.count() == 1


def test_create_jurisdiction(county_personas, village):
    url = reverse("registry:household_create")
    assert client_for(county_personas.read_only).get(url).status_code == 403
    assert client_for(county_personas.in_region).get(url).status_code == 200
    # The sibling county's office cannot pick this county's village.
    other = client_for(county_personas.out_of_region)
    response = other.post(url, _create_post(village, family("510981")))
    assert "请选择您辖区内的村" in response.content.decode()
    assert not Household.objects.exists()


def _edit_post(household, version, **changes):
    data = {
        "version": str(version),
        "household_no": household.household_no,
        "head_name": household.head_name,
        "attribute": household.attribute,
        "standard": household.standard,
        "identified_year": str(household.identified_year),
        "main_cause": household.main_cause,
        "housing_grade": household.housing_grade,
        "production_power": "on",
        "domestic_power": "on",
        "water_safe": "on",
    }
    data.update(changes)
    return data


def test_concurrent_edits_conflict_and_nothing_is_overwritten(household, county, office_user):
    url = reverse("registry:household_edit", args=[household.pk])
    first = client_for(office_user)
    second = client_for(make_user("office2", ("poverty_office", county.code)))
    v1 = first.get(url).context["form"].initial["version"]
    v2 = second.get(url).context["form"].initial["version"]
    assert first.post(url, _edit_post(household, v1, phone="13700000001")).status_code == 302
    response = second.post(url, _edit_post(household, v2, phone="13700000002"))
    assert response.status_code == 409
    assert f"该户已被 {office_user} 于 " in response.content.decode()
    household.refresh_from_db()
    assert household.phone == "13700000001"


def test_edit_warnings_shown_after_save(household, office_user):
    url = reverse("registry:household_edit", args=[household.pk])
    client = client_for(office_user)
    response = client.post(url, _edit_post(household, household.version, phone="13700000009"))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "贫困户信息已保存" in html
    assert "H007" in html  # no helper assigned: a warning, shown, not blocking
    assert Household.objects.get(pk=household.pk).phone == "13700000009"


def test_edit_error_in_chinese_next_to_the_field(household, office_user):
    url = reverse("registry:household_edit", args=[household.pk])
    response = client_for(office_user).post(
        url, _edit_post(household, household.version, identified_year="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["identified_year"] == ["这个字段是必填项。"]


def test_member_add_and_edit(household, office_user):
    client = client_for(office_user)
    add = reverse("registry:member_add", args=[household.pk])
    newborn = member(
        "510981", "张小红", "daughter", dt.date(2015, 6, 1), male=False, schooling="primary"
    )
    response = client.post(
        add, {k.split("-", 2)[2]: v for k, v in _member_post("x", 0, newborn).items()}
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.declared_size == 4
    son = household.members.get(relation="son")
    edit = reverse("registry:member_edit", args=[son.pk])
    post = {
        k.split("-", 2)[2]: v
        for k, v in _member_post(
            "x", 0, {**newborn, "name": "张明明", "relation": "son", "id_number": ""}
        ).items()
    }
    post["version"] = str(son.version)
    post["schooling"] = "primary"
    assert client.post(edit, post).status_code == 302
    son.refresh_from_db()
    assert son.name == "张明明"
    # Changing the ID number to one already registered is refused next to the field.
    post["version"] = str(son.version)
    post["id_number"] = newborn["id_number"]
    response = client.post(edit, post)
    assert "同一身份证号不能登记在两户" in response.context["form"].errors["id_number"][0]


def test_income_edit(household, office_user):
    client = client_for(office_user)
    url = reverse("registry:income_edit", args=[household.pk, 2020])
    assert "4000" in client.get(url).content.decode()
    data = {
        "wage": "12000",
        "business": "0",
        "property_income": "0",
        "transfer_dibao": "0",
        "transfer_tekun": "0",
        "transfer_pension": "0",
        "transfer_eco": "0",
        "transfer_family_planning": "0",
        "transfer_other": "0",
        "production_costs": "0",
        "version": "0",
    }
    assert client.post(url, data).status_code == 302
    assert household.incomes.get(year=2020).per_capita == 4000


def test_member_change_page(household, office_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(office_user)
    url = reverse("registry:change_create", args=[household.pk])
    spouse = household.members.get(relation="spouse")
    base = {
        "kind": "death",
        "occurred_on": "2024-03-01",
        "reason": "病故",
        "member": str(spouse.pk),
    }
    bad = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = client.post(url, {**base, "evidence": bad})
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()
    household.refresh_from_db()
    assert household.declared_size == 3
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(url, {**base, "evidence": pdf})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.declared_size == 2
    html = client.get(
        reverse("registry:household_detail", args=[household.pk]), {"tab": "changes"}
    ).content.decode()
    assert "死亡" in html and "病故" in html and "与户主关系：配偶" in html
    record = household.changes.get()
    evidence = reverse("registry:change_evidence", args=[record.pk])
    assert evidence in html
    download = client.get(evidence)
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    # The head leaving without a new head is refused with a message.
    head = household.members.get(relation="head")
    response = client.post(url, {**base, "member": str(head.pk)})
    assert "新户主" in response.content.decode()
    # A birth adds the member entered below.
    baby = member("510981", "张新生", "grandson", dt.date(2024, 2, 2))
    post = {**base, "kind": "birth", "member": "", "occurred_on": "2024-02-02"}
    post.update({f"m-{k.split('-', 2)[2]}": v for k, v in _member_post("x", 0, baby).items()})
    post["m-schooling"] = "not_in_school"
    assert client.post(url, post).status_code == 302
    household.refresh_from_db()
    assert household.declared_size == 3


@pytest.mark.parametrize(
    "name",
    ["registry:household_edit", "registry:member_add", "registry:change_create"],
)
def test_write_pages_jurisdiction(household, county_personas, name):
    assert_jurisdiction(county_personas, "get", reverse(name, args=[household.pk]), write=True)


def test_member_and_income_pages_jurisdiction(household, county_personas):
    son = household.members.get(relation="son")
    assert_jurisdiction(
        county_personas, "get", reverse("registry:member_edit", args=[son.pk]), write=True
    )
    assert_jurisdiction(
        county_personas,
        "get",
        reverse("registry:income_edit", args=[household.pk, 2020]),
        write=True,
    )
    reason = {"reason_choice": "核实身份"}
    url = reverse("registry:member_reveal", args=[son.pk])
    assert_jurisdiction(county_personas, "post", url, reason, write=False)
    url = reverse("registry:household_reveal", args=[household.pk, "phone"])
    assert_jurisdiction(county_personas, "post", url, reason, write=False)


def test_evidence_jurisdiction(household, county_personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    spouse = household.members.get(relation="spouse")
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    record, _ = services.member_change(
        actor=load_actor(county_personas.in_region),
        household_id=household.pk,
        kind="move_out",
        occurred_on=dt.date(2024, 1, 1),
        reason="外出定居",
        evidence=pdf,
        member_id=spouse.pk,
    )
    assert_jurisdiction(
        county_personas, "get", reverse("registry:change_evidence", args=[record.pk])
    )


def test_the_edit_form_never_shows_the_full_phone_or_bank_account(household, office_user):
    # Masked by default (SPEC §10): the full values come only from the audited reveal; an
    # empty field keeps what is recorded, a filled one replaces it.
    household.phone, household.bank_account = "13912345678", "6222020200112233445"
    household.save(update_fields=["phone", "bank_account"])
    url = reverse("registry:household_edit", args=[household.pk])
    client = client_for(office_user)
    page = client.get(url)
    html = page.content.decode()
    assert "13912345678" not in html and "6222020200112233445" not in html
    assert "139****5678" in html and "留空则保持原号码不变" in html
    posted = _edit_post(household, household.version, phone="", bank_account="")
    assert client.post(url, posted).status_code == 302
    household.refresh_from_db()
    assert (household.phone, household.bank_account) == ("13912345678", "6222020200112233445")
    posted = _edit_post(household, household.version, phone="13700000003")
    assert client.post(url, posted).status_code == 302
    household.refresh_from_db()
    assert household.phone == "13700000003"
