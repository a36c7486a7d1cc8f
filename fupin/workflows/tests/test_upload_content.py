"""Case documents are checked by content, not by name (issue 12 §5): the API refuses a
disguised file with the Chinese message, and takes the genuine one."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.testing import client_for

from .test_flows_exit import propose

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<x/>")
    return out.getvalue()


DISGUISED = [
    ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("consent.pdf", b"<html><body>not a pdf</body></html>"),
    ("table.xlsx", plain_zip()),
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(("name", "content"), DISGUISED)
def test_a_disguised_document_is_refused(
    officials: Any, village: Any, name: str, content: bytes
) -> None:
    case = propose(officials, village)
    response = client_for(officials.village_user).post(
        f"{API}/{case.pk}/documents",
        {"file": SimpleUploadedFile(name, content), "kind": "evidence"},
    )
    assert response.status_code == 422
    assert (
        "材料的内容与文件类型不符：只接受 JPG、PNG、PDF、Word、Excel 文件"
        in (response.json()["message"])
    )
    assert not case.documents.exists()


def test_a_genuine_document_is_taken(officials: Any, village: Any) -> None:
    case = propose(officials, village)
    response = client_for(officials.village_user).post(
        f"{API}/{case.pk}/documents",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), "kind": "evidence"},
    )
    assert response.status_code == 201, response.content
