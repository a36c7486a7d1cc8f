"""The workflows app's models, for Django: cases (办件), their transitions and documents
(`cases/models.py`), public notices (公示/公告) and objections (`notices/models.py`),
verification samples and survey records (`samples/models.py`) (SPEC §3).

A case's `state` changes only through `fupin.workflows.engine.transition`, which checks the
case type's transition table, locks the row and writes a `Transition` row (the timeline) in
the same transaction; the audit triggers record every row change besides.
"""

# `document_upload_to` is named by migration 0001 as fupin.workflows.models.document_upload_to.
from fupin.workflows.cases.models import (
    Case,
    CaseDocument,
    DocumentKind,
    SubjectLevel,
    Transition,
    document_upload_to,
)
from fupin.workflows.notices.models import (
    Notice,
    NoticeEntry,
    NoticeLevel,
    NoticeStatus,
    Objection,
    ObjectionSource,
    ObjectionStatus,
)
from fupin.workflows.samples.models import Sample, SampleItem, Survey

__all__ = [
    "Case",
    "CaseDocument",
    "DocumentKind",
    "Notice",
    "NoticeEntry",
    "NoticeLevel",
    "NoticeStatus",
    "Objection",
    "ObjectionSource",
    "ObjectionStatus",
    "Sample",
    "SampleItem",
    "SubjectLevel",
    "Survey",
    "Transition",
    "document_upload_to",
]
