"""Staff case pages (SPEC §3): my queue, search, the case page with its steps, creation of
each case type, and the POST endpoints (step, batch, documents, override, link, objections)."""

from fupin.workflows.cases.views.actions import (
    case_batch,
    case_declarant_reveal,
    case_document,
    case_document_file,
    case_link,
    case_override,
    case_step,
    objection_resolve,
)
from fupin.workflows.cases.views.new import case_new
from fupin.workflows.cases.views.pages import case_detail, case_list, queue

__all__ = [
    "case_batch",
    "case_declarant_reveal",
    "case_detail",
    "case_document",
    "case_document_file",
    "case_link",
    "case_list",
    "case_new",
    "case_override",
    "case_step",
    "objection_resolve",
    "queue",
]
