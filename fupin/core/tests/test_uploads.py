"""Uploads are recognised by their bytes (core/uploads)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.core import uploads
from fupin.core.errors import ValidationFailed
from fupin.core.uploads import Kind

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF = b"%PDF-1.4\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def ooxml(main: str | None, content_types: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        if main:
            archive.writestr(main, "<x/>")
        archive.writestr("readme.txt", "hi")
    return out.getvalue()


def kind(content: bytes) -> Kind | None:
    return uploads.sniff(io.BytesIO(content))


def test_sniff_recognises_the_kinds_by_content() -> None:
    assert kind(JPEG) is Kind.JPEG and kind(PNG) is Kind.PNG and kind(PDF) is Kind.PDF
    assert kind(ooxml("word/document.xml")) is Kind.DOCX
    assert kind(ooxml("xl/workbook.xml")) is Kind.XLSX
    assert kind(ooxml("xl/workbook.xml", content_types=False)) is None  # a plain zip
    assert kind(ooxml(None)) is None
    assert kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50) is Kind.OLE2
    assert kind("户编号,村代码\n1,2\n".encode("gb18030")) is Kind.TEXT
    assert kind("户编号,村代码\n".encode()) is Kind.TEXT
    assert kind(EXE) is None and kind(b"a\x00b") is None and kind(b"") is None
    assert kind(HTML) is Kind.TEXT  # text, but never a PDF


ACCEPT = uploads.Accept(
    suffixes=uploads.OFFICE_SUFFIXES, label=uploads.OFFICE_LABEL, max_mb=uploads.DOCUMENT_MAX_MB
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [("photo.jpg", EXE), ("report.pdf", HTML), ("table.xlsx", ooxml(None, False)),
     ("a.docx", ooxml("xl/workbook.xml")), ("a.png", JPEG)],
)  # fmt: skip
def test_check_refuses_content_that_does_not_match_the_suffix(name: str, content: bytes) -> None:
    with pytest.raises(
        ValidationFailed, match="内容与文件类型不符：只接受 JPG、PNG、PDF、Word、Excel"
    ):
        uploads.check(SimpleUploadedFile(name, content), ACCEPT)


@pytest.mark.django_db
def test_check_accepts_genuine_files_and_enforces_the_size_parameter(settings: object) -> None:
    assert uploads.check(SimpleUploadedFile("a.jpg", JPEG), ACCEPT) is Kind.JPEG
    assert uploads.check(SimpleUploadedFile("A.PDF", PDF), ACCEPT) is Kind.PDF
    assert uploads.check(SimpleUploadedFile("a.xlsx", ooxml("xl/workbook.xml")), ACCEPT)
    big = SimpleUploadedFile("a.pdf", PDF)
    big.size = 10 * uploads.MB + 1
    with pytest.raises(ValidationFailed, match="不能超过 10 MB"):
        uploads.check(big, ACCEPT)
    with pytest.raises(ValidationFailed, match="是空的"):
        uploads.check(SimpleUploadedFile("a.pdf", b""), ACCEPT)
