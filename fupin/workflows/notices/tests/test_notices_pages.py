"""Staff notice pages: list, detail, registering an objection, the PDF; jurisdiction."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fupin.registry.tests.factories import family, household_data
from fupin.testing import SIBLING_COUNTY, Personas, assert_jurisdiction, client_for, make_user
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.models import Case, Notice, NoticeEntry, Objection

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


class Published:
    """A household identification case published on a village notice."""

    def __init__(self, case: Case, notice: Notice, head_id: str) -> None:
        self.case = case
        self.notice = notice
        self.head_id = head_id
        self.entry = NoticeEntry.objects.get(notice=notice, case=case)


def published_case(officials: Any, village: Any, day: dt.date | None = None) -> Published:
    """Apply, review, verify and publish through the engine, like a village would."""
    day = day or timezone.localdate()
    members = family(village.code[:6])
    case = services.identification_apply(
        actor=officials.village,
        village_code=village.code,
        data=household_data("", main_cause="illness", phone=PHONE),
        members=members,
        reason="因病致贫，申请纳入",
    )
    engine.case_transition(
        actor=officials.village, case_id=case.pk, step="group_review", comment="同意", today=day
    )
    engine.case_transition(
        actor=officials.secretary, case_id=case.pk, step="verify", comment="属实", today=day
    )
    case = engine.case_transition(
        actor=officials.village, case_id=case.pk, step="publish_village", today=day
    )
    notice = Notice.objects.get(entries__case=case)
    return Published(case, notice, members[0]["id_number"])


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def published(officials: Any, village: Any) -> Published:
    return published_case(officials, village)


@pytest.fixture
def personas(officials: Any) -> Personas:
    return Personas(
        in_region=officials.village_user,
        read_only=officials.discipline_user,
        out_of_region=make_user("sibling", ("poverty_office", SIBLING_COUNTY)),
    )


def test_list_shows_notices_of_the_jurisdiction(published, officials, personas):
    url = reverse("workflows:notice_list")
    for user in (officials.village_user, officials.township_user, officials.county_user):
        html = client_for(user).get(url).content.decode()
        assert published.notice.notice_no in html and "公示中" in html
    html = client_for(personas.out_of_region).get(url).content.decode()
    assert published.notice.notice_no not in html
    # Filters: running only keeps it; a region prefix elsewhere drops it.
    client = client_for(officials.county_user)
    assert published.notice.notice_no in client.get(url + "?running=1").content.decode()
    other = published.notice.region_code[:6] + "999"
    assert published.notice.notice_no not in client.get(f"{url}?region={other}").content.decode()


def test_list_outcome_after_the_period(officials, village):
    old = published_case(officials, village, timezone.localdate() - dt.timedelta(days=20))
    html = client_for(officials.county_user).get(reverse("workflows:notice_list")).content
    assert "公示期满，无异议" in html.decode()
    running = client_for(officials.county_user).get(reverse("workflows:notice_list") + "?running=1")
    assert old.notice.notice_no not in running.content.decode()


def test_detail_jurisdiction(published, personas, officials):
    url = reverse("workflows:notice_detail", args=[published.notice.pk])
    assert_jurisdiction(personas, "get", url)
    html = client_for(officials.township_user).get(url).content.decode()
    assert "张*山" in html and published.case.case_no in html
    assert f"/cases/{published.case.pk}/" in html
    assert published.head_id not in html and PHONE not in html and "张大山" not in html
    assert 'data-testid="objection-form"' in html
    # A read-only role sees the notice but not the form.
    html = client_for(officials.discipline_user).get(url).content.decode()
    assert 'data-testid="objection-form"' not in html


def test_objection_jurisdiction(published, personas):
    url = reverse("workflows:notice_objection", args=[published.notice.pk])
    # The JSON body carries no content: the in-region user gets the form back with the error.
    assert_jurisdiction(personas, "post", url, ok=(200,))
    assert not Objection.objects.exists()


def test_staff_objection_sends_the_case_back(published, officials):
    client = client_for(officials.village_user)
    url = reverse("workflows:notice_objection", args=[published.notice.pk])
    response = client.post(url, {"entry": published.entry.pk, "content": "短"})
    assert response.status_code == 200
    assert "请填写异议内容（至少5个字）" in response.content.decode()
    response = client.post(
        url,
        {"entry": published.entry.pk, "content": "群众来电反映该户家有轿车", "name": "王某"},
        follow=True,
    )
    html = response.content.decode()
    assert "已撤出公示名单" in html and "待入户核实" in html
    objection = Objection.objects.get()
    assert objection.source == "staff" and objection.created_by_id == officials.village_user.pk
    published.case.refresh_from_db()
    published.entry.refresh_from_db()
    assert published.case.state == "reviewed"
    assert published.entry.withdrawn and published.entry.withdrawn_reason
    assert "已撤出" in html and "群众来电反映该户家有轿车" in html


def test_pdf(published, personas, officials):
    url = reverse("workflows:notice_pdf", args=[published.notice.pk])
    assert_jurisdiction(personas, "get", url)
    response = client_for(officials.county_user).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "张*山" in text and published.notice.title in text
    assert published.head_id not in text and PHONE not in text and "张大山" not in text
    assert published.head_id[:3] in text  # the 3+2 public form


def test_pdf_long_list_repeats_the_header(published):
    from fupin.workflows.notices.pdf import notice_pdf

    line = dict(published.entry.published)
    for i in range(80):
        case = Case.objects.create(
            case_no=f"TEST{i:04d}", kind="identification", state="village_notice",
            subject_level="household", region=published.case.region,
            region_code=published.case.region_code, county_code=published.case.county_code,
            year=2026, title="t",
        )  # fmt: skip
        NoticeEntry.objects.create(notice=published.notice, case=case, published=line)
    reader = PdfReader(io.BytesIO(notice_pdf(published.notice)))
    assert len(reader.pages) >= 2
    assert all("身份证号" in page.extract_text() for page in reader.pages)
