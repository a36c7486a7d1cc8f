"""Presenters of the workflow engine's pieces, shared by every API that shows a case's steps
(the case API and the alert API: an alert is a case)."""

from __future__ import annotations

from typing import Any

from fupin.workflows import engine
from fupin.workflows.cases.models import DocumentKind


def step_out(flow: engine.Flow, step: engine.Step, messages: list[str]) -> dict[str, Any]:
    """A step the caller may take, with why it is not ready yet (`messages`)."""
    return {
        "name": step.name,
        "label": step.label,
        "style": step.style,
        "target": step.target,
        "target_label": flow.state_label(step.target),
        "who": step.who(),
        "comment_required": step.comment_required,
        "document": step.document,
        "document_label": DocumentKind(step.document).label if step.document else None,
        "fields": list(step.fields),
        "ready": not messages,
        "messages": messages,
    }
