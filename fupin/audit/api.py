"""Audit trail API: event search (keyset-paginated) and batch detail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router

from fupin.core.access import Perm, actor_of

from . import selectors
from .display import present

router = Router(tags=["审计"])


def _event_json(event: Any, *, show_personal: bool) -> dict[str, Any]:
    data = present(event, show_personal=show_personal)
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
) -> dict[str, Any]:
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
    show = actor.has_perm(Perm.PERSONAL_DATA_VIEW)
    return {
        "items": [_event_json(e, show_personal=show) for e in rows],
        "next_cursor": next_cursor,
    }


@router.get("/audit/batches/{batch_id}")
def get_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    batch, rows = selectors.access_batch(actor, batch_id)
    show = actor.has_perm(Perm.PERSONAL_DATA_VIEW)
    return {
        "id": batch.pk,
        "kind": batch.kind,
        "description": batch.description,
        "reason": batch.reason,
        "actor_id": batch.actor_id,
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
        "row_count": batch.row_count,
        "events": [_event_json(e, show_personal=show) for e in rows],
    }
