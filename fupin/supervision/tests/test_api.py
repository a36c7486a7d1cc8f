"""Supervision API: every endpoint under the jurisdiction harness (county poverty office
served, county discipline 403 on writes and served on reads, sibling county 404); an alert
raised through the real on-change path and driven 督办 → 整改 (multipart .jpg) → 提交 → 核验销号
through the API, with 409 on a stale version and 422 guard messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.registry import services as registry
from fupin.registry.tests.factories import family, household_data, member
from fupin.supervision.models import Alert, Rectification
from fupin.testing import Personas, assert_jurisdiction, call, client_for, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def village_user(db: Any, village: Any) -> Any:
    return make_user("cun_api", ("village", village.code))


def dropout_alert(village: Any, office_user: Any) -> Alert:
    """A child of 10 taken out of school: the on-change path raises one R102 alert."""
    office = load_actor(office_user)
    today = timezone.localdate()
    people = [
        *family(village.code[:6]),
        member(
            village.code[:6], "张小红", "daughter", dt.date(today.year - 10, 1, 15), male=False,
            schooling="primary",
        ),
    ]  # fmt: skip
    household = registry.household_create(
        actor=office, village_code=village.code, data=household_data(f"{village.code}0001"),
        members=people,
    ).household  # fmt: skip
    child = household.members.get(name="张小红")
    registry.member_update(
        actor=office, member_id=child.pk, version=child.version, data={"schooling": "not_in_school"}
    )
    return Alert.objects.get(rule_code="R102", is_open=True)


def step(client: Client, alert_id: int, name: str, version: int, comment: str = "", **data: Any):
    body = {"step": name, "version": version, "comment": comment, "data": data}
    return call(client, "post", f"{API}/alerts/{alert_id}/transitions", body)


def photo(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


# --- rules ---------------------------------------------------------------------------------------


def test_rule_catalogue_with_values_and_live_counts(county_personas: Personas, county, village):
    dropout_alert(village, county_personas.in_region)
    url = f"{API}/rules?region={county.code}"
    assert_jurisdiction(county_personas, "get", url)
    body = client_for(county_personas.in_region).get(url).json()
    assert body["region_name"] == "射洪市"
    rules = {r["code"]: r for r in body["rules"]}
    assert rules["R102"]["open_count"] == 1
    assert rules["R102"]["severity_label"] == "红色（严重）"
    assert rules["R102"]["responsible_label"] == "村两委"
    stuck = rules["R201"]["params"][0]
    assert stuck["key"] == "rules.R201.days" and stuck["value"] == 30
    # Without a region: the caller's own jurisdiction; the sibling county sees none of it.
    mine = client_for(county_personas.out_of_region).get(f"{API}/rules").json()
    assert {r["code"]: r["open_count"] for r in mine["rules"]}["R102"] == 0
    assert client_for(county_personas.in_region).get(f"{API}/rules?region=12x").status_code == 422


def test_run_rules_over_a_region(county_personas: Personas, county, village):
    alert = dropout_alert(village, county_personas.in_region)
    url = f"{API}/rules/run"
    body = {"region_code": county.code, "rules": ["R102"]}
    assert_jurisdiction(county_personas, "post", url, body)
    alert.refresh_from_db()
    assert alert.hit_count == 2  # the harness's one in-region run merged into the open alert
    result = call(client_for(county_personas.in_region), "post", url, body).json()
    assert result == [
        {"rule": "R102", "rule_name": "义务教育阶段适龄儿童失学辍学", "opened": 0,
         "refreshed": 1, "cleared": 0}
    ]  # fmt: skip
    assert Alert.objects.filter(rule_code="R102").count() == 1
    bad = call(
        client_for(county_personas.in_region), "post", url,
        {"region_code": county.code, "rules": ["R999"]},
    )  # fmt: skip
    assert bad.status_code == 422 and "规则不存在" in bad.json()["message"]
    everything = call(
        client_for(county_personas.in_region), "post", url, {"region_code": county.code}
    )
    assert everything.status_code == 200 and len(everything.json()) >= 9


# --- alert lists, detail, timeline ----------------------------------------------------------------


def test_alert_list_filters_stats_detail_timeline(county_personas: Personas, county, village):
    alert = dropout_alert(village, county_personas.in_region)
    people = county_personas
    for url in (
        f"{API}/alerts?region={county.code}",
        f"{API}/alerts/stats?by=unit&region={county.code}",
        f"{API}/alerts/{alert.pk}",
        f"{API}/alerts/{alert.pk}/timeline",
    ):
        assert_jurisdiction(people, "get", url)
    office = client_for(people.in_region)
    page = office.get(f"{API}/alerts?region={county.code}&rule=R102").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["rule_name"] == "义务教育阶段适龄儿童失学辍学"
    assert item["state_label"] == "已分派待督办" and item["unit_code"] == village.code
    assert item["unit_name"] == village.name and item["overdue"] is False

    def count(query: str) -> int:
        return int(office.get(f"{API}/alerts?{query}").json()["count"])

    everything = Alert.objects.filter(region_code__startswith=county.code).count()
    assert count("") == everything >= 1
    assert count("rule=R102&severity=high&state=assigned&open=true") == 1
    assert count("rule=R101") == 0
    assert count("open=false") == 0
    assert count("overdue=true") == 0
    assert count(f"rule=R102&unit={village.code}") == 1
    assert office.get(f"{API}/alerts?severity=bogus").status_code == 422
    # The sibling county's own list does not contain it.
    assert client_for(people.out_of_region).get(f"{API}/alerts").json()["count"] == 0

    stats = {s["key"]: s for s in office.get(f"{API}/alerts/stats?by=rule").json()}
    assert stats["R102"] == {
        "key": "R102", "label": "义务教育阶段适龄儿童失学辍学", "total": 1, "open": 1,
        "overdue": 0, "closed": 0,
    }  # fmt: skip

    detail = office.get(f"{API}/alerts/{alert.pk}").json()
    assert detail["evidence"]["年龄"] == 10
    assert detail["household"]["household_no"] == f"{village.code}0001"
    assert [s["name"] for s in detail["steps"]] == ["issue_notice", "close_cleared"]
    cleared = next(s for s in detail["steps"] if s["name"] == "close_cleared")
    assert cleared["messages"] == ["预警条件仍然存在，须整改后核验销号"]
    # The read-only discipline role sees the alert but is offered no step.
    assert client_for(people.read_only).get(f"{API}/alerts/{alert.pk}").json()["steps"] == []
    timeline = office.get(f"{API}/alerts/{alert.pk}/timeline").json()
    assert timeline[0]["label"] == "系统预警" and timeline[0]["to_label"] == "已分派待督办"
    assert office.get(f"{API}/alerts/999999").status_code == 404


# --- the whole life of an alert -------------------------------------------------------------------


def test_alert_driven_from_notice_to_closing(
    county_personas: Personas, county, village, village_user
):
    people = county_personas
    alert = dropout_alert(village, people.in_region)
    office = client_for(people.in_region)
    cun = client_for(village_user)
    url = f"{API}/alerts/{alert.pk}"
    version = office.get(url).json()["version"]
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()

    # Bad inputs first: 422 for a malformed or past deadline, 409 for a stale version.
    bad = step(office, alert.pk, "issue_notice", version, deadline="10/01/2030")
    assert bad.status_code == 422 and "整改期限格式不正确" in bad.json()["message"]
    past = step(office, alert.pk, "issue_notice", version, deadline="2020-01-01")
    assert past.status_code == 422 and "整改期限应晚于今天" in past.json()["message"]
    stale = step(office, alert.pk, "issue_notice", version + 1, deadline=deadline)
    assert stale.status_code == 409 and "请刷新" in stale.json()["message"]

    body = {
        "step": "issue_notice", "version": version, "comment": "",
        "data": {"deadline": deadline, "content": "请核实张小红失学情况并劝返"},
    }  # fmt: skip
    assert_jurisdiction(people, "post", f"{url}/transitions", body)
    detail = office.get(url).json()
    assert detail["state_label"] == "已督办待整改" and detail["due_date"] == deadline
    notice = detail["notices"][0]
    assert notice["notice_no"].startswith("射洪市扶督〔") and notice["unit_name"] == village.name
    assert notice["content"] == "请核实张小红失学情况并劝返"
    assert_jurisdiction(people, "get", f"{API}/notices/{notice['id']}")
    assert office.get(f"{API}/notices/{notice['id']}").json()["deadline"] == deadline
    assert office.get(f"{API}/notices/999999").status_code == 404

    # The responsible village cannot submit before writing the rectification: 422 guard.
    version = detail["version"]
    early = step(cun, alert.pk, "submit", version)
    assert early.status_code == 422 and "请先填写整改情况" in early.json()["message"]

    # Rectification (multipart): sibling 404, discipline 403, the village 201 with a photo.
    def rectify(user: Any, **extra: Any) -> Any:
        data = {"content": "已劝返入学，现就读本村小学四年级", **extra}
        return client_for(user).post(f"{url}/rectification", data)

    assert rectify(people.out_of_region, files=[photo()]).status_code == 404
    assert rectify(people.read_only, files=[photo()]).status_code == 403
    too_short = cun.post(f"{url}/rectification", {"content": "好"})
    assert too_short.status_code == 422 and "至少5个字" in too_short.json()["message"]
    exe = cun.post(f"{url}/rectification", {"content": "已劝返入学复课", "files": [photo("x.exe")]})
    assert exe.status_code == 422 and "佐证材料" in exe.json()["message"]
    written = rectify(village_user)
    assert written.status_code == 201, written.content
    ready = next(s for s in written.json()["steps"] if s["name"] == "submit")
    assert ready["messages"] == ["请上传整改佐证材料（照片或文件）"]
    with_photo = rectify(village_user, files=[photo()])
    assert with_photo.status_code == 201
    rect = with_photo.json()["rectifications"]
    assert len(rect) == 1 and rect[0]["files"][0]["name"] == "photo.jpg"
    assert rect[0]["files"][0]["is_photo"] is True and rect[0]["result_label"] == "待核验"
    submit = next(s for s in with_photo.json()["steps"] if s["name"] == "submit")
    assert submit["ready"] is True

    file_url = f"{url}/files/{rect[0]['files'][0]['id']}"
    assert_jurisdiction(people, "get", file_url)
    download = office.get(file_url)
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8")  # type: ignore[attr-defined]

    # The county office is not the responsible unit: its submit fails the guard.
    version = with_photo.json()["version"]
    wrong = step(office, alert.pk, "submit", version)
    assert wrong.status_code == 422 and "须由责任单位办理" in wrong.json()["message"]
    # Submit by the village, under the harness (village user as the in-region persona).
    village_people = Personas(
        in_region=village_user, read_only=people.read_only, out_of_region=people.out_of_region
    )
    body = {"step": "submit", "version": version, "comment": "整改完成", "data": {}}
    assert_jurisdiction(village_people, "post", f"{url}/transitions", body)
    detail = office.get(url).json()
    assert detail["state_label"] == "已提交整改"

    # Verification needs a comment (422), then the county closes it (销号).
    version = detail["version"]
    no_comment = step(office, alert.pk, "verify", version)
    assert (
        no_comment.status_code == 422 and "请填写核验通过，销号意见" in no_comment.json()["message"]
    )
    body = {"step": "verify", "version": version, "comment": "经实地核实已复学", "data": {}}
    assert_jurisdiction(people, "post", f"{url}/transitions", body)
    alert.refresh_from_db()
    assert alert.is_open is False and alert.case.state == "closed"
    assert Rectification.objects.get(alert=alert).result == "accepted"
    closed = office.get(url).json()
    assert closed["state_label"] == "已销号" and closed["steps"] == []
    assert closed["rectifications"][0]["verification"] == "经实地核实已复学"
    timeline = office.get(f"{url}/timeline").json()
    assert [t["name"] for t in timeline] == ["create", "issue_notice", "submit", "verify"]
    # A rectification on a closed alert is refused.
    late = rectify(village_user, files=[photo()])
    assert late.status_code == 422 and "已督办待整改" in late.json()["message"]
    assert office.get(f"{API}/alerts?open=false&rule=R102").json()["count"] == 1


def test_return_sends_the_rectification_back(county_personas: Personas, village, village_user):
    people = county_personas
    alert = dropout_alert(village, people.in_region)
    office, cun = client_for(people.in_region), client_for(village_user)
    url = f"{API}/alerts/{alert.pk}"
    version = office.get(url).json()["version"]
    assert step(office, alert.pk, "issue_notice", version).status_code == 200
    cun.post(f"{url}/rectification", {"content": "已劝返入学复课", "files": [photo()]})
    version = office.get(url).json()["version"]
    assert step(cun, alert.pk, "submit", version).status_code == 200
    returned = step(office, alert.pk, "return", version + 1, comment="照片不能证明已复学")
    assert returned.status_code == 200
    body = returned.json()
    assert body["state_label"] == "已督办待整改"
    assert body["rectifications"][0]["result_label"] == "退回重新整改"
