"""Audit trail API: event search (keyset-paginated) and batch detail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router

from fupin.core.access import actor_of

from . import selectors
from .display import present
from .reveal import events_reveal

router = Router(tags=["审计"])


def _event_json(event: Any, *, reveal: bool) -> dict[str, Any]:
    data = present(event, reveal=reveal)
    data["changes"] = [
        {"field": c.column, "label": c.label, "old": c.old, "new": c.new} for c in data["changes"]
    ]
    return data


@router.get("/audit/events")
def list_events(
    request: HttpRequest,
    table: str = "",
    object_pk: str = "",
    user: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    batch: int | None = None,
    region: str = "",
    cursor: str = "",
    limit: int = selectors.PAGE_SIZE,
    reveal: bool = False,
    reason: str = "",
) -> dict[str, Any]:
    """审计日志（个人信息一律脱敏；reveal=true 并填写 reason 查看完整信息，须有完整个人信息权限，本次查看记入审计日志）。"""
    actor = actor_of(request)
    filters = selectors.EventFilters(
        table=table,
        object_pk=object_pk,
        user=user,
        action=action,
        date_from=date_from,
        date_to=date_to,
        batch_id=batch,
        region=region,
    )
    rows, next_cursor = selectors.event_list(
        actor, filters=filters, cursor=cursor, limit=max(1, min(limit, 200))
    )
    shown = reveal and events_reveal(actor=actor, events=rows, reason=reason)
    return {
        "items": [_event_json(e, reveal=shown) for e in rows],
        "next_cursor": next_cursor,
    }


@router.get("/audit/batches/{batch_id}")
def get_batch(
    request: HttpRequest, batch_id: int, reveal: bool = False, reason: str = ""
) -> dict[str, Any]:
    actor = actor_of(request)
    batch, rows = selectors.access_batch(actor, batch_id)
    shown = reveal and events_reveal(actor=actor, events=rows, reason=reason)
    return {
        "id": batch.pk,
        "kind": batch.kind,
        "description": batch.description,
        "reason": batch.reason,
        "actor_id": batch.actor_id,
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
        "row_count": batch.row_count,
        "events": [_event_json(e, reveal=shown) for e in rows],
    }
