"""A county notice lists cases of several townships: each caller sees only the entries in their
jurisdiction (page, API, PDF), objections only where they handle them, and objectors' phones
masked (issue 12, point 2)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fupin.testing import client_for, make_user
from fupin.workflows.models import Case, Notice, NoticeEntry, Objection

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/notices"
OWN_PHONE = "13800001111"
OTHER_PHONE = "13900002222"


@dataclass
class CountyNotice:
    notice: Notice  # county notice: one case of the township, one of its sibling
    other_only: Notice  # county notice listing only the sibling township's case
    own: NoticeEntry
    other: NoticeEntry
    own_objection: Objection
    other_objection: Objection


def _case(village: Any, no: str) -> Case:
    return Case.objects.create(
        case_no=no, kind="identification", state="county_notice", subject_level="household",
        region=village, region_code=village.code, county_code=village.code[:6],
        year=timezone.localdate().year, title=f"{no} 识别",
    )  # fmt: skip


def _notice(county: Any, no: str) -> Notice:
    today = timezone.localdate()
    return Notice.objects.create(
        notice_no=no, kind="identification", stage="publish_county", level="county",
        region=county, region_code=county.code, county_code=county.code,
        title=f"{county.name}贫困户识别县级公告", start_date=today, end_date=today,
    )  # fmt: skip


def _entry(notice: Notice, case: Case, head: str) -> NoticeEntry:
    line = {"case_no": case.case_no, "region": case.region.name, "head": head, "id": "510***12"}
    return NoticeEntry.objects.create(notice=notice, case=case, published=line)


def _objection(entry: NoticeEntry, name: str, phone: str) -> Objection:
    return Objection.objects.create(
        notice=entry.notice, entry=entry, case=entry.case, county_code=entry.case.county_code,
        source="staff", name=name, phone=phone, content=f"反映{name}所说情况属实与否",
    )  # fmt: skip


@pytest.fixture
def county_notice(county: Any, village: Any, sibling_township: Any) -> CountyNotice:
    other_village = sibling_township.children.order_by("code").first()
    own_case = _case(village, "SCOPE-OWN-1")
    other_case = _case(other_village, "SCOPE-OTHER-1")
    notice = _notice(county, "GS-SCOPE-1")
    own = _entry(notice, own_case, "王*明")
    other = _entry(notice, other_case, "李*华")
    other_only = _notice(county, "GS-SCOPE-2")
    _entry(other_only, other_case, "李*华")
    return CountyNotice(
        notice, other_only, own, other,
        _objection(own, "赵本地", OWN_PHONE), _objection(other, "钱外乡", OTHER_PHONE),
    )  # fmt: skip


@pytest.fixture
def township_user(township: Any) -> Any:
    return make_user("scope_township", ("township", township.code))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_township_page_lists_only_its_entries_and_objections(county_notice, township_user):
    html = (
        client_for(township_user)
        .get(reverse("workflows:notice_detail", args=[county_notice.notice.pk]))
        .content.decode()
    )
    assert "SCOPE-OWN-1" in html and "王*明" in html
    assert "SCOPE-OTHER-1" not in html and "李*华" not in html
    assert "赵本地" in html and "138****1111" in html and OWN_PHONE not in html
    assert "钱外乡" not in html and "139****2222" not in html and OTHER_PHONE not in html
    assert "公示名单共 2 户" in html  # the total, not who


def test_township_api_lists_only_its_entries_and_objections(county_notice, township_user):
    body = client_for(township_user).get(f"{API}/{county_notice.notice.pk}").json()
    assert [e["case_no"] for e in body["entries"]] == ["SCOPE-OWN-1"]
    assert [o["name"] for o in body["objections"]] == ["赵本地"]
    assert body["objections"][0]["phone"] == "138****1111"
    assert OTHER_PHONE not in str(body) and "钱外乡" not in str(body)


def test_township_pdf_prints_only_its_entries(county_notice, township_user):
    response = client_for(township_user).get(
        reverse("workflows:notice_pdf", args=[county_notice.notice.pk])
    )
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "王*明" in text and "李*华" not in text


def test_county_notice_without_own_entry_is_not_found(county_notice, township_user):
    client = client_for(township_user)
    pk = county_notice.other_only.pk
    for url in (
        reverse("workflows:notice_detail", args=[pk]),
        reverse("workflows:notice_pdf", args=[pk]),
        f"{API}/{pk}",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"{API}/{pk}/objections",
        {"content": "想打听这户的情况", "entry_id": county_notice.other.pk},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_staff_objection_only_on_own_entries(county_notice, township_user):
    """A township registers an objection to its own entry of a county notice, never to a
    sibling township's entry on it."""
    client = client_for(township_user)
    url = f"{API}/{county_notice.notice.pk}/objections"
    response = client.post(
        url, {"content": "群众来电反映情况", "entry_id": county_notice.other.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["message"] == "请选择公示名单中的对象"
    response = client.post(
        url, {"content": "群众来电反映情况", "entry_id": county_notice.own.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content


def test_county_sees_everything_with_phones_masked(county_notice, county):
    user = make_user("scope_county", ("poverty_office", county.code))
    body = client_for(user).get(f"{API}/{county_notice.notice.pk}").json()
    assert sorted(e["case_no"] for e in body["entries"]) == ["SCOPE-OTHER-1", "SCOPE-OWN-1"]
    assert sorted(o["phone"] for o in body["objections"]) == ["138****1111", "139****2222"]


def test_objections_only_for_those_who_handle_them(county_notice, county, township):
    """纪委 supervises how objections are handled and sees them; a read-only viewer or the
    audit office reads the notice but not who objected."""
    url = f"{API}/{county_notice.notice.pk}"
    discipline = make_user("scope_jiwei", ("discipline", county.code))
    assert len(client_for(discipline).get(url).json()["objections"]) == 2
    for user in (
        make_user("scope_viewer", ("viewer", township.code)),
        make_user("scope_audit", ("audit_finance", county.code)),
    ):
        body = client_for(user).get(url).json()
        assert body["entries"] and body["objections"] == [], user.username
        html = (
            client_for(user)
            .get(reverse("workflows:notice_detail", args=[county_notice.notice.pk]))
            .content.decode()
        )
        assert "赵本地" not in html and "钱外乡" not in html


def test_case_page_objections_only_for_handlers(county_notice, township):
    """The case page lists the objections to the case on the same rule."""
    case = county_notice.own.case
    viewer = make_user("scope_viewer2", ("viewer", township.code))
    html = client_for(viewer).get(reverse("workflows:case_detail", args=[case.pk])).content
    assert "赵本地" not in html.decode()
    body = client_for(viewer).get(f"/api/v1/cases/{case.pk}").json()
    assert body["objections"] == []
    staff = make_user("scope_township2", ("township", township.code))
    body = client_for(staff).get(f"/api/v1/cases/{case.pk}").json()
    assert [o["phone"] for o in body["objections"]] == ["138****1111"]
