"""Audit pages and API: readable diff, masking, scoping and the jurisdiction harness."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.audit.services import batch_start, bulk_audit
from fupin.core.context import audit_context
from fupin.regions.models import Organisation
from fupin.testing import assert_jurisdiction, client_for, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def renamed_org(admin_personas, make_org):
    """An organisation of our county created, then renamed, by the county administrator."""
    admin = admin_personas.in_region
    org = make_org("射洪市扶贫开发局", user=admin, contact_phone="13812345678")
    with audit_context(reason="机构改革更名", actor_id=admin.pk, actor_name=admin.username):
        Organisation.objects.filter(pk=org.pk).update(name="射洪市乡村振兴局")
    return org


def test_audit_page_shows_readable_diff(admin_personas, renamed_org):
    response = client_for(admin_personas.in_region).get(reverse("audit:events"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "组织机构" in text  # the table's Chinese name
    assert "名称" in text and "射洪市扶贫开发局" in text and "射洪市乡村振兴局" in text
    assert "机构改革更名" in text
    assert "修改" in text and "county_admin" in text


def test_audit_page_masks_phone_without_personal_data_right(admin_personas, renamed_org):
    text = client_for(admin_personas.in_region).get(reverse("audit:events")).content.decode()
    assert "13812345678" not in text
    assert "138****5678" in text


def test_audit_page_masks_phone_for_a_holder_until_an_audited_reveal(county, renamed_org):
    """Masked by default for holders of PERSONAL_DATA_VIEW too (issue 12); a POST of the same
    page with a reason shows it in full and is itself an audit row (action 'R')."""
    office = make_user("office", ("poverty_office", county.code))
    client = client_for(office)
    text = client.get(reverse("audit:events")).content.decode()
    assert "13812345678" not in text and "138****5678" in text
    assert "查看完整信息" in text  # the reveal form is offered
    missing = client.post(reverse("audit:events"), {"reason_choice": "其他"})
    assert missing.status_code == 422 and "13812345678" not in missing.content.decode()
    assert not AuditEvent.objects.filter(action="R", actor_id=office.pk).exists()
    shown = client.post(
        reverse("audit:events"), {"reason_choice": "上级核查", "reason_text": "抽查"}
    )
    assert shown.status_code == 200 and "13812345678" in shown.content.decode()
    event = AuditEvent.objects.get(action="R", actor_id=office.pk)
    assert event.table_name == "audit_auditevent" and event.reason == "上级核查：抽查"
    assert event.new is not None and event.new["kind"] == "reveal" and event.new["events"]


def test_audit_reveal_is_refused_without_the_right(admin_personas, renamed_org):
    response = client_for(admin_personas.in_region).post(
        reverse("audit:events"), {"reason_choice": "核实身份"}
    )
    assert response.status_code == 403 and "13812345678" not in response.content.decode()


def test_audit_api_masks_by_default_and_reveals_with_a_reason(county, renamed_org):
    office = make_user("office", ("poverty_office", county.code))
    client = client_for(office)
    masked = client.get("/api/v1/audit/events").content.decode()
    assert "13812345678" not in masked and "138****5678" in masked
    assert client.get("/api/v1/audit/events?reveal=true").status_code == 422
    shown = client.get("/api/v1/audit/events?reveal=true&reason=核实").content.decode()
    assert "13812345678" in shown
    assert AuditEvent.objects.filter(action="R", actor_id=office.pk, reason="核实").count() == 1


def test_sibling_county_admin_does_not_see_our_events(admin_personas, renamed_org):
    text = client_for(admin_personas.out_of_region).get(reverse("audit:events")).content.decode()
    assert "射洪市乡村振兴局" not in text and "射洪市扶贫开发局" not in text
    assert "510903" in text  # their own grant's creation is in their jurisdiction
    assert "510981" not in text


def test_update_without_region_column_is_scoped_by_the_records_creation(
    admin_personas, county, make_org
):
    """A rename by a user without grants records only the name; the record's creation
    event still places it in our county."""
    org = make_org("某合作社")
    with audit_context(reason="更名", actor_id=None, actor_name="外部同步"):
        Organisation.objects.filter(pk=org.pk).update(name="某专业合作社")
    ours = client_for(admin_personas.in_region).get(reverse("audit:events") + "?action=U")
    theirs = client_for(admin_personas.out_of_region).get(reverse("audit:events") + "?action=U")
    assert "某专业合作社" in ours.content.decode()
    assert "某专业合作社" not in theirs.content.decode()


def test_filters_and_keyset_pagination(admin_personas, make_org):
    admin = admin_personas.in_region
    for i in range(55):
        make_org(f"单位{i:02d}", user=admin)
    client = client_for(admin)
    first = client.get(reverse("audit:events") + "?table=regions_organisation&action=I")
    text = first.content.decode()
    assert "单位54" in text and "单位04" not in text
    next_query = first.context["next_query"]
    assert next_query
    second = client.get(reverse("audit:events") + "?" + next_query).content.decode()
    assert "单位04" in second and "单位54" not in second
    assert "下一页" not in second
    by_user = client.get(reverse("audit:events") + "?user=nobody").content.decode()
    assert "单位54" not in by_user


def test_record_history_partial(admin_personas, renamed_org):
    url = reverse("audit:history", args=["regions_organisation", renamed_org.pk])
    text = client_for(admin_personas.in_region).get(url).content.decode()
    assert "射洪市乡村振兴局" in text and "<html" not in text


def test_batch_page_lists_its_events(admin_personas, county):
    from .test_triggers import copy_organisations

    batch = batch_start(
        actor=load_actor(admin_personas.in_region), kind="导入组织机构", reason="年度导入"
    )
    with bulk_audit(batch):
        copy_organisations(county.code, ["甲公司", "乙公司"])
    text = (
        client_for(admin_personas.in_region)
        .get(reverse("audit:batch", args=[batch.pk]))
        .content.decode()
    )
    assert "导入组织机构" in text and "批量导入" in text and "行数" in text


# --- jurisdiction harness: county admin 200, county viewer (no AUDIT_VIEW) 403, sibling 404


def test_jurisdiction_events_page(admin_personas, county):
    assert_jurisdiction(
        admin_personas, "get", reverse("audit:events") + f"?region={county.code}", write=True
    )


def test_jurisdiction_history(admin_personas, renamed_org):
    url = reverse("audit:history", args=["regions_organisation", renamed_org.pk])
    assert_jurisdiction(admin_personas, "get", url, write=True)


def test_jurisdiction_batch_page(admin_personas):
    batch = batch_start(actor=load_actor(admin_personas.in_region), kind="导入", reason="测试")
    assert_jurisdiction(admin_personas, "get", reverse("audit:batch", args=[batch.pk]), write=True)


def test_jurisdiction_events_api(admin_personas, county, renamed_org):
    assert_jurisdiction(
        admin_personas, "get", f"/api/v1/audit/events?region={county.code}", write=True
    )
    data = (
        client_for(admin_personas.in_region)
        .get("/api/v1/audit/events?table=regions_organisation")
        .json()
    )
    rename = next(e for e in data["items"] if e["action"] == "U")
    assert rename["table_label"] == "组织机构"
    assert {
        "field": "name",
        "label": "名称",
        "old": "射洪市扶贫开发局",
        "new": "射洪市乡村振兴局",
    } in (rename["changes"])


def test_jurisdiction_batch_api(admin_personas):
    batch = batch_start(actor=load_actor(admin_personas.in_region), kind="导入", reason="测试")
    assert_jurisdiction(admin_personas, "get", f"/api/v1/audit/batches/{batch.pk}", write=True)


def test_events_api_is_paginated(admin_personas, make_org):
    for i in range(3):
        make_org(f"单位{i}", user=admin_personas.in_region)
    client = client_for(admin_personas.in_region)
    page = client.get("/api/v1/audit/events?limit=2&table=regions_organisation").json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(
        "/api/v1/audit/events",
        {"limit": 2, "table": "regions_organisation", "cursor": page["next_cursor"]},
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] == ""
    assert AuditEvent.objects.filter(table_name="regions_organisation").count() == 3


def test_system_admin_sees_all_counties_and_never_a_password(admin_personas, renamed_org):
    root = make_user("root", ("sysadmin", "51"))
    sibling = admin_personas.out_of_region
    with audit_context(reason="重置密码", actor_id=root.pk, actor_name="root"):
        sibling.set_password("Another-Passw0rd")
        sibling.real_name = "张小明"
        sibling.save()
    text = client_for(root).get(reverse("audit:events")).content.decode()
    assert "射洪市乡村振兴局" in text  # our county
    assert "张小明" in text  # the sibling county's user
    assert sibling.password not in text and "md5$" not in text


def test_audit_masks_personal_data_inside_json_payloads(county, village):
    """Issue 12 point 3: a public declarant's phone inside `workflows_case.data` (and the ID
    inside any text) is masked in the audit views, not only columns named phone."""
    import datetime as dt

    from fupin.core import idnumber
    from fupin.workflows.cases import services as cases

    number = idnumber.make(village.code[:6], dt.date(1980, 1, 1), 77)
    cases.declaration_submit(
        village_code=village.code, name="赵六", id_number=number, phone="13800001234",
        declaration=cases.Declaration(reason="失业返乡，电话 13911112222", risk_types=["unemployment"]),
    )  # fmt: skip
    office = make_user("office", ("poverty_office", county.code))
    page = client_for(office).get(reverse("audit:events"), {"table": "workflows_case"})
    text = page.content.decode()
    assert "138****1234" in text and "13800001234" not in text
    assert "13911112222" not in text and number not in text
    api = client_for(office).get("/api/v1/audit/events?table=workflows_case").content.decode()
    assert "13800001234" not in api and "13911112222" not in api
