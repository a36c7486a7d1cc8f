"""Workflows API: every endpoint under the jurisdiction harness (in-region served, read-only
403 on writes, sibling county 404), a case driven through steps with 409 and 422 answers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fupin.core import crypto
from fupin.registry.tests.factories import family, household_data, id_number
from fupin.testing import Personas, assert_jurisdiction, call, client_for, make_user
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import Officials, make_household, upload
from fupin.workflows.models import Case, Notice, Objection

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sibling(db: Any, sibling_county: Any) -> Any:
    return make_user("sibling_office", ("poverty_office", sibling_county.code))


def personas(o: Officials, in_region: Any, sibling: Any) -> Personas:
    return Personas(in_region=in_region, read_only=o.discipline_user, out_of_region=sibling)


def identification(o: Officials, village: Any) -> Case:
    return services.identification_apply(
        actor=o.village,
        village_code=village.code,
        data=household_data(""),
        members=family(village.code[:6]),
        reason="因病致贫，申请纳入",
    )


def step(client: Client, case_id: int, name: str, version: int, comment: str = "同意", **data: Any):
    body = {"step": name, "version": version, "comment": comment, "data": data}
    return call(client, "post", f"{API}/{case_id}/transitions", body)


def backdate_notices(case: Case, days: int = 10) -> None:
    """Move the case's notices into the past so their period is over."""
    shift = dt.timedelta(days=days)
    for notice in Notice.objects.filter(entries__case=case):
        Notice.objects.filter(pk=notice.pk).update(
            start_date=notice.start_date - shift, end_date=notice.end_date - shift
        )


# --- identification driven through the API ------------------------------------------------------


def test_identification_apply_and_drive(officials, village, county, sibling):
    o = officials
    body = {
        "village_code": village.code,
        "household": {"main_cause": "illness", "housing_grade": "B", "attribute": "general"},
        "members": family(village.code[:6]),
        "reason": "因病致贫，申请纳入",
    }
    assert_jurisdiction(personas(o, o.village_user, sibling), "post", f"{API}/identification", body)
    case = Case.objects.get(kind="identification")
    assert case.household is not None and case.household.status == "applicant"
    head_number = body["members"][0]["id_number"]

    village_client = client_for(o.village_user)
    detail = village_client.get(f"{API}/{case.pk}").json()
    assert detail["kind_label"] == "贫困户识别" and detail["state_label"] == "农户申请"
    assert [s["name"] for s in detail["steps"]] == ["group_review"]
    assert detail["household"]["head_id_masked"].startswith(head_number[:6])
    raw = json.dumps(detail, ensure_ascii=False)
    assert head_number not in raw and "cipher" not in raw

    # group review by the village, under the harness (version is loaded fresh each call)
    assert_jurisdiction(
        personas(o, o.village_user, sibling),
        "post",
        f"{API}/{case.pk}/transitions",
        {"step": "group_review", "version": 1, "comment": "小组评议同意"},
    )
    response = step(village_client, case.pk, "verify", 2, "核实属实")
    assert response.status_code == 200, response.content
    response = step(village_client, case.pk, "publish_village", 3)
    assert response.json()["state"] == "village_notice"

    township = client_for(o.township_user)
    guard = step(township, case.pk, "township_approve", 4)
    assert guard.status_code == 422
    assert any("村内公示期未满" in m for m in guard.json()["errors"]["__all__"])
    steps = township.get(f"{API}/{case.pk}").json()["steps"]
    approve = next(s for s in steps if s["name"] == "township_approve")
    assert not approve["ready"] and "村内公示期未满" in approve["messages"][0]
    # the village cannot take a township step
    assert step(village_client, case.pk, "township_approve", 4).status_code == 403

    backdate_notices(case)
    assert step(township, case.pk, "township_approve", 4).json()["state"] == "township_approved"
    stale = step(client_for(o.county_user), case.pk, "township_return", 4, "退回")
    assert stale.status_code == 409
    assert "已由" in stale.json()["message"] and "乡镇已审核" in stale.json()["message"]
    case.refresh_from_db()
    assert case.state == "township_approved" and case.version == 5
    not_json = village_client.post(
        f"{API}/{case.pk}/transitions",
        '{"step": "township_return", "version": 5, "data": {"x": Infinity}}',
        content_type="application/json",
    )
    assert not_json.status_code in (400, 422)

    timeline = village_client.get(f"{API}/{case.pk}/timeline").json()
    assert [t["name"] for t in timeline] == [
        "create", "group_review", "verify", "publish_village", "township_approve",
    ]  # fmt: skip
    assert timeline[-1]["to_label"] == "乡镇已审核"
    assert_jurisdiction(personas(o, o.village_user, sibling), "get", f"{API}/{case.pk}/timeline")
    assert_jurisdiction(personas(o, o.township_user, sibling), "get", f"{API}/{case.pk}")


def test_list_and_queue(officials, village, county, sibling):
    o = officials
    case = identification(o, village)
    people = personas(o, o.village_user, sibling)
    assert_jurisdiction(people, "get", f"{API}?region={village.code}")
    assert_jurisdiction(people, "get", f"{API}/queue?region={village.code}")
    mine = client_for(o.village_user).get(API, {"waiting": "true"}).json()
    assert [c["id"] for c in mine["items"]] == [case.pk] and mine["count"] == 1
    assert mine["items"][0]["state_label"] == "农户申请"
    assert client_for(o.county_user).get(API, {"waiting": "true"}).json()["count"] == 0
    assert client_for(o.township_user).get(API, {"q": case.case_no}).json()["count"] == 1
    assert client_for(sibling).get(API).json()["count"] == 0
    queue = client_for(o.village_user).get(f"{API}/queue").json()
    assert queue == [
        {"kind": "identification", "kind_label": "贫困户识别", "state": "applied",
         "state_label": "农户申请", "count": 1}
    ]  # fmt: skip
    assert (
        client_for(o.village_user).get(f"{API}/queue", {"region": county.code}).status_code == 404
    )
    assert client_for(o.village_user).get(API, {"q": "a\x00b"}).status_code == 422


# --- the other kinds of cases -------------------------------------------------------------------


def test_household_exit_checklist_and_override(officials, village, sibling):
    o = officials
    household = make_household(o.village, village, income=Decimal("1500"))
    body = {"household_id": household.pk, "reason": "收入稳定，提出脱贫"}
    assert_jurisdiction(personas(o, o.village_user, sibling), "post", f"{API}/household-exit", body)
    case = Case.objects.get(kind="household_exit")
    detail = client_for(o.township_user).get(f"{API}/{case.pk}").json()
    checklist = {c["code"]: c["passed"] for c in detail["checklist"]}
    assert checklist["income"] is False and checklist["food_clothing"] is False
    assert detail["can_override"] is True
    assert client_for(o.village_user).get(f"{API}/{case.pk}").json()["can_override"] is False
    too_short = call(client_for(o.township_user), "post", f"{API}/{case.pk}/override",
                     {"version": 1, "reason": "短"})  # fmt: skip
    assert too_short.status_code == 422
    reason = {"version": 1, "reason": "该户务工收入已落实，收入统计口径滞后，经集体研究放行"}
    assert_jurisdiction(
        personas(o, o.township_user, sibling), "post", f"{API}/{case.pk}/override", reason
    )
    detail = client_for(o.village_user).get(f"{API}/{case.pk}").json()
    assert detail["override"]["reason"].startswith("该户务工收入")
    assert {f["code"] for f in detail["override"]["failures"]} >= {"income"}
    again = call(client_for(o.county_user), "post", f"{API}/{case.pk}/override", reason)
    assert again.status_code == 409


def test_return_member_change_monitoring(officials, village, sibling):
    o = officials
    people = personas(o, o.village_user, sibling)
    exited = make_household(o.village, village, status="exited")
    assert_jurisdiction(people, "post", f"{API}/return-poverty",
                        {"household_id": exited.pk, "reason": "因灾返贫"})  # fmt: skip
    assert Case.objects.filter(kind="return_poverty", household=exited).exists()

    household = make_household(o.village, village)
    newborn = id_number(village.code[:6], timezone.localdate() - dt.timedelta(days=30))
    body = {
        "household_id": household.pk,
        "change_kind": "birth",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        "reason": "新生儿出生",
        "new_member": {"name": "张小宝", "id_number": newborn, "relation": "grandson"},
    }
    assert_jurisdiction(people, "post", f"{API}/member-change", body)
    change = Case.objects.get(kind="member_change")
    detail = client_for(o.township_user).get(f"{API}/{change.pk}").json()
    assert detail["data"]["new_member"]["id_number"] != newborn
    assert detail["data"]["new_member"]["id_number"] == newborn[:6] + "*" * 12
    assert newborn not in json.dumps(detail)
    approve = next(s for s in detail["steps"] if s["name"] == "township_approve")
    assert approve["messages"] == ["请先上传“证明材料”"]

    body = {"household_id": household.pk, "reason": "家中老人住院花费较大",
            "risk_types": ["medical"], "medical_expense": "30000"}  # fmt: skip
    assert_jurisdiction(people, "post", f"{API}/monitoring", body)
    monitoring = Case.objects.get(kind="monitoring")
    detail = client_for(o.village_user).get(f"{API}/{monitoring.pk}").json()
    factors = {f["code"]: f for f in detail["risk"]["factors"]}
    assert factors["medical"]["triggered"] is True
    assert detail["risk"]["score"] >= factors["medical"]["weight"]
    bad = call(client_for(o.village_user), "post", f"{API}/monitoring",
               {**body, "risk_types": ["nonsense"]})  # fmt: skip
    assert bad.status_code == 422


def test_village_and_county_exit(officials, village, county, sibling):
    o = officials
    body = {"village_code": village.code, "reason": "贫困发生率已降至标准以下"}
    assert_jurisdiction(personas(o, o.township_user, sibling), "post", f"{API}/village-exit", body)
    case = Case.objects.get(kind="village_exit")
    detail = client_for(o.township_user).get(f"{API}/{case.pk}").json()
    assert detail["checklist"][0]["code"] == "incidence"
    body = {"county_code": county.code, "reason": "全县达到摘帽标准"}
    assert_jurisdiction(personas(o, o.county_user, sibling), "post", f"{API}/county-exit", body)
    county_case = Case.objects.get(kind="county_exit")
    detail = client_for(o.county_user).get(f"{API}/{county_case.pk}").json()
    assert [c["code"] for c in detail["checklist"]] == [
        "incidence", "wrong_exit", "missed", "satisfaction",
    ]  # fmt: skip
    # the county itself cannot take the city's review step
    assert detail["steps"] == []
    denied = call(client_for(o.village_user), "post", f"{API}/county-exit", body)
    assert denied.status_code == 404


def test_batch_transition(officials, village, sibling):
    o = officials
    first = identification(o, village)
    second = services.identification_apply(
        actor=o.village, village_code=village.code,
        data=household_data(""),
        members=[{"name": "王五", "relation": "head", "insured_medical": True,
                  "id_number": id_number(village.code[:6], dt.date(1960, 1, 1))}],
        reason="缺劳力，申请纳入",
    )  # fmt: skip
    engine.case_transition(actor=o.village, case_id=second.pk, step="group_review", comment="同意")
    body = {"case_ids": [first.pk, second.pk], "step": "group_review", "comment": "小组评议同意"}
    people = personas(o, o.village_user, sibling)
    assert_jurisdiction(people, "post", f"{API}/batch-transitions", body)
    first.refresh_from_db()
    assert first.state == "reviewed"
    result = call(client_for(o.village_user), "post", f"{API}/batch-transitions",
                  {**body, "case_ids": [second.pk]}).json()  # fmt: skip
    assert result["done"] == []
    assert result["failed"][0]["case_id"] == second.pk
    assert "不能办理" in result["failed"][0]["message"] or "已由" in result["failed"][0]["message"]
    assert isinstance(result["batch_id"], int)


def test_link_household_to_declared_case(officials, village, sibling):
    o = officials
    case = services.declaration_submit(
        village_code=village.code, name="赵六", phone="13800001111",
        id_number=id_number(village.code[:6], dt.date(1980, 2, 2)),
        declaration=services.Declaration(reason="务工受伤，收入下降", risk_types=["accident"]),
    )  # fmt: skip
    detail = client_for(o.county_user2).get(f"{API}/{case.pk}").json()
    assert detail["household"] is None and detail["channel_label"] == "农户自主申报"
    # Masked for the personal-data holder too (issue 12: masked by default).
    assert detail["data"]["declarant"]["phone"] == "138****1111"
    household = make_household(o.village, village, status="ordinary")
    body = {"version": case.version, "household_no": household.household_no}
    assert_jurisdiction(personas(o, o.village_user, sibling), "post", f"{API}/{case.pk}/link", body)
    case.refresh_from_db()
    assert case.household_id == household.pk


# --- documents -----------------------------------------------------------------------------------


def test_documents(officials, village, sibling):
    o = officials
    household = make_household(o.village, village)
    case = services.exit_propose(actor=o.village, household_id=household.pk, reason="收入稳定")
    url = f"{API}/{case.pk}/documents"

    def post(user: Any) -> Any:
        return client_for(user).post(url, {"file": upload(), "kind": "consent", "note": "签字"})

    assert post(sibling).status_code == 404
    assert post(o.discipline_user).status_code == 403
    created = post(o.village_user)
    assert created.status_code == 201, created.content
    assert created.json()["kind_label"] == "农户签字确认书"
    bad = client_for(o.village_user).post(url, {"file": upload("x.exe"), "kind": "consent"})
    assert bad.status_code == 422 and "格式不支持" in bad.json()["message"]
    people = personas(o, o.village_user, sibling)
    assert_jurisdiction(people, "get", url)
    assert client_for(o.village_user).get(url).json()[0]["name"] == "consent.pdf"
    doc_id = created.json()["id"]
    assert_jurisdiction(people, "get", f"{url}/{doc_id}")
    download = client_for(o.village_user).get(f"{url}/{doc_id}")
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"%PDF")


# --- notices and objections ----------------------------------------------------------------------


def published_case(o: Officials, village: Any) -> Case:
    case = identification(o, village)
    engine.case_transition(actor=o.village, case_id=case.pk, step="group_review", comment="同意")
    engine.case_transition(actor=o.village, case_id=case.pk, step="verify", comment="属实")
    return engine.case_transition(actor=o.village, case_id=case.pk, step="publish_village")


def test_staff_notices_and_objections(officials, village, county, sibling):
    o = officials
    case = published_case(o, village)
    notice = Notice.objects.get()
    people = personas(o, o.village_user, sibling)
    assert_jurisdiction(people, "get", f"{API}/notices?region={village.code}")
    assert_jurisdiction(people, "get", f"{API}/notices/{notice.pk}")
    listed = client_for(o.township_user).get(f"{API}/notices", {"running": "true"}).json()
    assert listed["count"] == 1 and listed["items"][0]["running"] is True
    assert listed["items"][0]["stage_label"] == "发布村内公示"
    detail = client_for(o.village_user).get(f"{API}/notices/{notice.pk}").json()
    line = detail["entries"][0]["published"]
    assert line["head"] == "张*山" and "*" in line["id"]
    full = crypto.decrypt(case.household.members.get(relation="head").id_cipher)  # type: ignore[union-attr]
    assert full not in json.dumps(detail)

    body = {"content": "该户家中有小轿车，不符合条件", "name": "李四", "phone": "13912345678"}
    assert_jurisdiction(people, "post", f"{API}/notices/{notice.pk}/objections", body)
    case.refresh_from_db()
    assert case.state == "reviewed"  # sent back to verification
    objection = Objection.objects.get()
    assert objection.source == "staff"
    as_township = client_for(o.township_user).get(f"{API}/{case.pk}").json()
    assert as_township["pending_objections"] == 1
    verify = next(s for s in client_for(o.village_user).get(f"{API}/{case.pk}").json()["steps"]
                  if s["name"] == "verify")  # fmt: skip
    assert not verify["ready"] and "异议" in verify["messages"][0]
    resolve = {"upheld": False, "resolution": "经核实，车辆为亲属所有，异议不成立"}
    assert_jurisdiction(people, "post", f"{API}/objections/{objection.pk}/resolve", resolve)
    objection.refresh_from_db()
    assert objection.status == "dismissed"
    again = call(client_for(o.village_user), "post", f"{API}/objections/{objection.pk}/resolve",
                 resolve)  # fmt: skip
    assert again.status_code == 422 and again.json()["message"] == "该异议已核实"


def test_public_notices_anonymous(officials, village, county):
    o = officials
    case = published_case(o, village)
    notice = Notice.objects.get()
    anonymous = Client()
    listed = anonymous.get("/api/v1/public/notices", {"region": county.code})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert anonymous.get("/api/v1/public/notices", {"region": "510903"}).json()["count"] == 0
    detail = anonymous.get(f"/api/v1/public/notices/{notice.pk}").json()
    line = detail["entries"][0]["line"]
    assert line["head"] == "张*山"
    assert len(line["id"]) == 18 and line["id"].count("*") == 13  # first 3 and last 2 only
    raw = json.dumps(detail, ensure_ascii=False)
    head = case.household.members.get(relation="head")  # type: ignore[union-attr]
    assert head.id_masked not in raw and "13" not in json.dumps(detail.get("contact", ""))
    assert "objections" not in detail and "phone" not in raw

    short = anonymous.post(f"/api/v1/public/notices/{notice.pk}/objections",
                           {"content": "不对"}, content_type="application/json")  # fmt: skip
    assert short.status_code == 422 and "至少5个字" in short.json()["message"]
    sent = anonymous.post(
        f"/api/v1/public/notices/{notice.pk}/objections",
        {"content": "该户儿子在城里有住房，不应纳入"},
        content_type="application/json",
    )
    assert sent.status_code == 201 and "已收到" in sent.json()["message"]
    case.refresh_from_db()
    assert case.state == "reviewed"
    assert Objection.objects.get().source == "public"
    # the withdrawn entry leaves the public list
    assert anonymous.get(f"/api/v1/public/notices/{notice.pk}").json()["entries"] == []
    Notice.objects.filter(pk=notice.pk).update(
        start_date=timezone.localdate() - dt.timedelta(days=20),
        end_date=timezone.localdate() - dt.timedelta(days=14),
    )
    late = anonymous.post(f"/api/v1/public/notices/{notice.pk}/objections",
                          {"content": "公示期后提出的异议"}, content_type="application/json")  # fmt: skip
    assert late.status_code == 422 and "不在公示期内" in late.json()["message"]
    assert anonymous.get("/api/v1/public/notices", {"region": county.code}).json()["count"] == 0
    assert anonymous.get("/api/v1/public/notices/999999").status_code == 404


def test_public_objections_are_rate_limited(officials, village):
    published_case(officials, village)
    notice = Notice.objects.get()
    anonymous = Client()
    url = f"/api/v1/public/notices/{notice.pk}/objections"
    statuses = [
        anonymous.post(url, {"content": "x"}, content_type="application/json").status_code
        for _ in range(11)
    ]
    assert statuses == [422] * 10 + [429]
    blocked = anonymous.post(
        url, {"content": "该户不符合条件，请核实"}, content_type="application/json"
    )
    assert blocked.status_code == 429 and "提交过于频繁" in blocked.json()["message"]
    assert not Objection.objects.exists()


# --- samples, surveys, county rates --------------------------------------------------------------


def test_samples_surveys_and_rates(officials, village, county, sibling):
    o = officials
    for _ in range(3):
        make_household(o.village, village, status="exited")
    people = personas(o, o.county_user, sibling)
    body = {"region_code": county.code, "purpose": "exited", "size": 2, "seed": 42}
    assert_jurisdiction(people, "post", f"{API}/samples", body)
    sample = client_for(o.county_user).get(f"{API}/samples", {"region": county.code}).json()
    assert sample["count"] == 1 and sample["items"][0]["seed"] == 42
    sample_id = sample["items"][0]["id"]
    assert_jurisdiction(people, "get", f"{API}/samples?region={county.code}")
    assert_jurisdiction(people, "get", f"{API}/samples/{sample_id}")
    detail = client_for(o.county_user).get(f"{API}/samples/{sample_id}").json()
    assert len(detail["items"]) == 2 and detail["population"] == 3
    item_id = detail["items"][0]["id"]
    finding = {
        "finding": "wrong_exit",
        "note": "收入未达标",
        "version": detail["items"][0]["version"],
    }
    assert_jurisdiction(people, "post", f"{API}/samples/items/{item_id}", finding)
    assert client_for(o.county_user).get(f"{API}/samples/{sample_id}").json()["checked"] == 1

    survey = {"village_code": village.code, "surveyed_on": "2026-03-01", "surveyed": 50,
              "satisfied": 48, "surveyor": "第三方评估组"}  # fmt: skip
    assert_jurisdiction(people, "post", f"{API}/surveys", survey)
    assert_jurisdiction(people, "get", f"{API}/surveys?region={county.code}")
    bad = call(client_for(o.county_user), "post", f"{API}/surveys", {**survey, "satisfied": 60})
    assert bad.status_code == 422

    assert_jurisdiction(people, "get", f"{API}/county-rates/{county.code}")
    rates = client_for(o.county_user).get(f"{API}/county-rates/{county.code}").json()
    assert rates["exited_checked"] == 1 and rates["wrong_exits"] == 1
    assert rates["wrong_exit_rate"] in ("100.00", 100.0, "100")
    assert rates["satisfaction"] in ("96.00", 96.0, "96")
    failing = {c["code"]: c["passed"] for c in rates["criteria"]}
    assert failing["wrong_exit"] is False and failing["satisfaction"] is True
    assert client_for(o.county_user).get(f"{API}/county-rates/{village.code}").status_code == 404
