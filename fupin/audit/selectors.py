"""Scoped reads of the audit trail.

Audit rows carry no region column, so jurisdiction is derived (SQL, at the data layer):

- a system administrator sees every event;
- any other holder of Perm.AUDIT_VIEW sees an event when
  (a) it was done by a user holding a grant whose region lies inside the jurisdiction, or
  (b) the changed row's recorded values (new or old) carry a region-code-like field —
      region_code, region_id, county_code or code — inside the jurisdiction, or
  (c) an INSERT or DELETE event of the same record satisfies (b): an UPDATE records only
      the changed columns, so the record's region is found on its creation/deletion event.
A user without AUDIT_VIEW gets PermissionDenied; a region filter outside the jurisdiction
gets NotFound, like every other scoped read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from fupin.core.access import ALL_REGIONS, Actor, Perm
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed

from .models import Action, AuditBatch, AuditEvent

REGION_KEYS = ["region_code", "region_id", "county_code", "code"]

SCOPE_SQL = """(
  "audit_auditevent"."actor_id" IN (
    SELECT g.user_id FROM accounts_grant g WHERE g.region_id LIKE ANY(%s))
  OR EXISTS (
    SELECT 1 FROM jsonb_each_text(coalesce("audit_auditevent"."new", '{}'::jsonb)
                                  || coalesce("audit_auditevent"."old", '{}'::jsonb)) kv
    WHERE kv.key = ANY(%s) AND kv.value LIKE ANY(%s))
  OR ("audit_auditevent"."action" = 'U' AND EXISTS (
    SELECT 1 FROM audit_auditevent e2, jsonb_each_text(coalesce(e2.new, e2.old)) kv
    WHERE e2.table_name = "audit_auditevent"."table_name"
      AND e2.object_pk = "audit_auditevent"."object_pk"
      AND e2.action IN ('I', 'D')
      AND kv.key = ANY(%s) AND kv.value LIKE ANY(%s)))
)"""

PAGE_SIZE = 50


def _patterns(codes: list[str]) -> list[str]:
    return [code.replace("%", "").replace("_", "") + "%" for code in codes]


def scoped_events(actor: Actor, *, region_code: str | None = None) -> QuerySet[AuditEvent]:
    """Events the actor may read, optionally narrowed to one region subtree."""
    if not actor.has_perm(Perm.AUDIT_VIEW):
        raise PermissionDenied()
    if region_code:
        actor.require(Perm.AUDIT_VIEW, region_code)
        codes = [region_code]
    else:
        codes = actor.region_codes(Perm.AUDIT_VIEW)
    events = AuditEvent.objects.all()
    if ALL_REGIONS in codes:
        return events
    patterns = _patterns(codes)
    return events.alias(
        in_scope=RawSQL(  # noqa: S611  (constant SQL, values bound as parameters)
            SCOPE_SQL,
            [patterns, REGION_KEYS, patterns, REGION_KEYS, patterns],
            output_field=BooleanField(),
        )
    ).filter(in_scope=True)


@dataclass
class EventFilters:
    table: str = ""
    object_pk: str = ""
    user: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    batch_id: int | None = None
    region: str = ""


def parse_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        stamp, _, pk = cursor.replace(" ", "+").rpartition("_")
        return dt.datetime.fromisoformat(stamp), int(pk)
    except ValueError as exc:
        raise ValidationFailed("翻页参数不正确", errors={"cursor": ["格式不正确"]}) from exc


def make_cursor(event: AuditEvent) -> str:
    return f"{event.at.isoformat()}_{event.pk}"


def event_list(
    actor: Actor, *, filters: EventFilters, cursor: str = "", limit: int = PAGE_SIZE
) -> tuple[list[AuditEvent], str]:
    """One page of events, newest first, keyset-paginated on (at, id); returns the page
    and the cursor of the next page ("" on the last page)."""
    events = scoped_events(actor, region_code=filters.region or None)
    if filters.table:
        events = events.filter(table_name=filters.table)
    if filters.object_pk:
        events = events.filter(object_pk=filters.object_pk)
    if filters.user:
        events = events.filter(actor_name=filters.user)
    if filters.action:
        if filters.action not in Action.values:
            raise ValidationFailed("操作类型不正确", errors={"action": ["无此选项"]})
        events = events.filter(action=filters.action)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        events = events.filter(at__gte=dt.datetime.combine(filters.date_from, dt.time(), tz))
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), tz)
        events = events.filter(at__lt=end)
    if filters.batch_id is not None:
        events = events.filter(batch_id=filters.batch_id)
    if cursor:
        at, pk = parse_cursor(cursor)
        events = events.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    rows = list(events.order_by("-at", "-id")[: limit + 1])
    next_cursor = make_cursor(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def record_history(actor: Actor, *, table: str, pk: str) -> list[AuditEvent]:
    """Every visible event of one record, newest first; NotFound when none is visible."""
    rows = list(
        scoped_events(actor).filter(table_name=table, object_pk=pk).order_by("-at", "-id")[:500]
    )
    if not rows:
        raise NotFound()
    return rows


def access_batch(actor: Actor, pk: int) -> tuple[AuditBatch, list[AuditEvent]]:
    """A batch and its visible events. Visible when the actor is a system administrator,
    the batch's user holds a grant inside the jurisdiction, or one of its events is visible."""
    events = scoped_events(actor)
    batch = AuditBatch.objects.select_related("actor").filter(pk=pk).first()
    if batch is None:
        raise NotFound()
    rows = list(events.filter(batch_id=pk).order_by("-at", "-id")[:500])
    if not rows and not actor.is_system_admin:
        from fupin.accounts.models import Grant

        actor_in_scope = batch.actor_id is not None and (
            Grant.objects.filter(user_id=batch.actor_id)
            .filter(actor.scope_q(Perm.AUDIT_VIEW, field="region__code"))
            .exists()
        )
        if not actor_in_scope:
            raise NotFound()
    return batch, rows
