"""Uploads are checked by what they contain, not by what they are called.

Every upload point (case documents, rectification files, member-change evidence, registry
imports) declares an `Accept`: the file-name suffixes it takes, what each suffix must contain,
and the size limit — a parameter in MB, checked on `UploadedFile.size` (counted by the upload
handler as the body streams in) before a byte of the content is read. `check(upload, accept)`
then sniffs the content (`sniff`): an `.exe` renamed `.jpg`, HTML called `.pdf` or a plain zip
called `.xlsx` is refused with 「…的内容与文件类型不符：只接受 … 文件」.

Kinds recognised by their bytes: JPEG (`FF D8 FF`), PNG (`89 PNG`), PDF (`%PDF-`), the
OOXML zips (`[Content_Types].xml` plus `word/document.xml` or `xl/workbook.xml`), OLE2 compound
files (`D0 CF 11 E0 A1 B1 1A E1`: .doc and .xls) and plain text (no NUL byte and none of the
magic numbers above: CSV; its encoding, UTF-8 or GB18030, is checked by the importer, which
reports a bad one on the job).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fupin.core import params
from fupin.core.errors import ValidationFailed

MB = 1024 * 1024
TEXT_SAMPLE = 64 * 1024

DOCUMENT_MAX_MB = params.define(
    "uploads.document_max_mb",
    "上传材料大小上限（照片、PDF、Office 文件）",
    10,
    unit="MB",
    help="办件材料、整改佐证材料、成员变更证明材料每个文件的上限",
    minimum=1,
    maximum=100,
)
IMPORT_MAX_MB = params.define(
    "uploads.import_max_mb",
    "导入文件大小上限",
    500,
    unit="MB",
    help="建档立卡导入文件（.xlsx、.xls、.csv）的上限",
    minimum=1,
    maximum=500,
)


class Kind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    OLE2 = "ole2"  # .doc, .xls
    TEXT = "text"  # .csv


# What each suffix must contain.
SUFFIX_KINDS: Mapping[str, Kind] = {
    ".jpg": Kind.JPEG,
    ".jpeg": Kind.JPEG,
    ".png": Kind.PNG,
    ".pdf": Kind.PDF,
    ".docx": Kind.DOCX,
    ".xlsx": Kind.XLSX,
    ".doc": Kind.OLE2,
    ".xls": Kind.OLE2,
    ".csv": Kind.TEXT,
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML_MAIN_PARTS = {Kind.DOCX: "word/document.xml", Kind.XLSX: "xl/workbook.xml"}


def _zip_kind(file: Any) -> Kind | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, part in OOXML_MAIN_PARTS.items():
        if part in names:
            return kind
    return None


def _is_text(sample: bytes) -> bool:
    """Text: no NUL byte (every executable, image and office binary has them). Whether it
    decodes (UTF-8, else GB18030) is the reader's to say: the import reports a bad encoding
    in Chinese on the job, with the line, rather than refusing the upload."""
    return bool(sample) and b"\x00" not in sample


def sniff(file: Any) -> Kind | None:
    """The kind of the file's content (None when it is none of the kinds above); the file is
    left at its start."""
    file.seek(0)
    head = bytes(file.read(TEXT_SAMPLE))
    file.seek(0)
    try:
        if head.startswith(b"\xff\xd8\xff"):
            return Kind.JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return Kind.PNG
        if head.startswith(b"%PDF-"):
            return Kind.PDF
        if head.startswith(OLE2_MAGIC):
            return Kind.OLE2
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(file)
        return Kind.TEXT if _is_text(head) else None
    finally:
        file.seek(0)


@dataclass(frozen=True)
class Accept:
    """What an upload point takes. Messages may use {what}, {label} and {mb}."""

    suffixes: tuple[str, ...]
    label: str  # the kinds in the users' words: "JPG、PNG、PDF、Word、Excel"
    max_mb: params.ParameterDef
    what: str = "文件"
    field: str = "file"
    wrong_suffix: str = "{what}格式不支持：只接受 {label} 文件"
    wrong_suffix_field: str = "文件类型不支持"
    too_big: str = "{what}不能超过 {mb} MB"
    empty: str = "{what}是空的"

    def message(self, template: str, mb: int = 0) -> str:
        return template.format(what=self.what, label=self.label, mb=mb)


def suffix_of(name: str) -> str:
    name = (name or "").rsplit("/", 1)[-1].lower()
    return name[name.rfind(".") :] if "." in name else ""


def check(upload: Any, accept: Accept, *, max_bytes: int | None = None) -> Kind:
    """Refuse an upload whose suffix is not accepted, whose size is 0 or over the limit
    (`max_bytes`, else the parameter), or whose content is not what its suffix says."""
    suffix = suffix_of(str(getattr(upload, "name", "") or ""))
    if suffix not in accept.suffixes:
        raise ValidationFailed(
            accept.message(accept.wrong_suffix), errors={accept.field: [accept.wrong_suffix_field]}
        )
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed(accept.message(accept.empty), errors={accept.field: ["文件为空"]})
    mb = int(params.get(accept.max_mb.key))
    limit = min(mb * MB, max_bytes) if max_bytes is not None else mb * MB
    if size > limit:
        raise ValidationFailed(
            accept.message(accept.too_big, mb), errors={accept.field: ["文件过大"]}
        )
    kind = sniff(upload)
    if kind is not SUFFIX_KINDS[suffix]:
        raise ValidationFailed(
            f"{accept.what}的内容与文件类型不符：只接受 {accept.label} 文件",
            errors={accept.field: ["文件内容与扩展名不符"]},
        )
    return kind


OFFICE_SUFFIXES = (".jpg", ".jpeg", ".png", ".pdf", ".doc", ".docx", ".xls", ".xlsx")
OFFICE_LABEL = "JPG、PNG、PDF、Word、Excel"
