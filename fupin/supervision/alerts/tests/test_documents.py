"""The 督办通知书 as PDF (reportlab, CJK font) and as Word (.docx written with zipfile)."""

from __future__ import annotations

import io
import zipfile
from xml.dom.minidom import parseString

import pytest

from fupin.accounts.selectors import load_actor
from fupin.supervision.alerts import documents
from fupin.supervision.alerts.tests.test_alert_pages import People, dropout_alert, people  # noqa: F401 - the fixture
from fupin.supervision.models import SupervisionNotice
from fupin.workflows import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(people: People, village) -> SupervisionNotice:  # noqa: F811
    alert = dropout_alert(people.county, village)
    engine.case_transition(
        actor=load_actor(people.township),
        case_id=alert.case_id,
        step="issue_notice",
        data={"content": "张小红辍学，请立即劝返复学。", "requirement": "上传复学证明 & <材料>"},
    )
    return SupervisionNotice.objects.get(alert=alert)


def test_pdf_is_a_pdf_with_the_notice_number(notice):
    content = documents.notice_pdf(notice)
    assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")
    assert len(content) > 2000


def test_docx_is_a_word_package_with_the_same_text(notice):
    content = documents.notice_docx(notice)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= names
        body = archive.read("word/document.xml").decode()
    assert notice.notice_no in body and "督办通知书" in body and "（盖章）" in body
    assert notice.unit_name in body and "张小红辍学" in body
    # Escaped, so the XML stays well-formed.
    assert "上传复学证明 &amp; &lt;材料&gt;" in body
    parseString(body.encode())  # noqa: S318 - the XML we just wrote


def test_notice_text_carries_evidence_deadline_and_issuer(notice):
    text = documents.notice_text(notice)
    assert ("在校生状况", "辍学") in text.evidence
    assert text.issuer == notice.issuer_name and "年" in text.deadline
    assert notice.notice_no.startswith(notice.issuer_name)
