"""Writes of the audit app: batch records for bulk operations, and the retention purge."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fupin.core import params
from fupin.core.access import Actor, Perm
from fupin.core.context import audit_context
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.masking import REVEAL_REASON_REQUIRED

from .models import AuditBatch


@transaction.atomic
def batch_start(*, actor: Actor, kind: str, description: str = "", reason: str) -> AuditBatch:
    """Open the batch record that every row of one bulk operation will link to."""
    return AuditBatch.objects.create(
        kind=kind, description=description[:300], reason=reason[:500], actor_id=actor.user_id
    )


@transaction.atomic
def batch_finish(batch: AuditBatch, row_count: int) -> AuditBatch:
    batch.finished_at = timezone.now()
    batch.row_count = row_count
    batch.save(update_fields=["finished_at", "row_count"])
    return batch


@contextmanager
def bulk_audit(batch: AuditBatch) -> Iterator[None]:
    """For COPY-based loads: inside this block each INSERT/COPY statement writes one summary
    audit row (row count, first and last key) linked to `batch` instead of one row per record;
    updates and deletes are still recorded row by row, with the batch id."""
    with audit_context(
        batch_id=batch.pk,
        bulk=True,
        reason=batch.reason,
        actor_id=batch.actor_id,
    ):
        yield


NO_REVEAL = "您没有查看完整个人信息的权限"


def has_personal_view(actor: Actor, regions: Iterable[str]) -> bool:
    """Whether `actor` holds PERSONAL_DATA_VIEW over every region in `regions` (none: no)."""
    codes = list(regions)
    return bool(codes) and all(actor.can(Perm.PERSONAL_DATA_VIEW, code) for code in codes)


def require_personal_view(actor: Actor, regions: Iterable[str]) -> None:
    """403 (in Chinese) unless `has_personal_view`."""
    if not has_personal_view(actor, regions):
        raise PermissionDenied(NO_REVEAL)


def reveal_check(actor: Actor, regions: Iterable[str], reason: str) -> None:
    """The gate of every reveal of personal data (SPEC §10): the right over `regions`
    (403), then a reason (422). The caller records the access (`access_record`) before it
    returns the data."""
    require_personal_view(actor, regions)
    if not (reason or "").strip():
        raise ValidationFailed(REVEAL_REASON_REQUIRED, errors={"reason": ["必须填写"]})


def access_record(
    *,
    actor: Actor,
    table: str,
    object_pk: object | None,
    detail: dict[str, Any],
    reason: str,
) -> int:
    """Record that `actor` saw or exported personal data in full (SPEC §10): who (the actor),
    what (`table`, `object_pk` and `detail`, e.g. {"kind": "reveal", "fields": ["id_number"]}
    or {"kind": "export", "rows": 120}), when (the database clock), why (`reason`) and from
    where (the request's IP in the audit context). Returns the audit event's id.

    Written in the caller's transaction, so a reveal whose page fails is not recorded as
    shown, and nothing is shown that was not recorded (call it before returning the data)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fupin_audit_access(%s, %s, %s, %s, %s, %s::jsonb)",
            [
                table,
                None if object_pk is None else str(object_pk),
                actor.user_id,
                actor.username,
                reason[:500],
                json.dumps(detail, ensure_ascii=False, default=str),
            ],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


# Whole transactions only (a link's commit time is after all of its events), so a purge never
# leaves a link half-covered; links whose events are gone go too, except the newest, which
# stays as the anchor audit_verify starts from. The database itself refuses any row younger
# than the retention parameter (sql.fupin_audit_append_only), whoever asks.
PURGE_EVENTS = """
DELETE FROM audit_auditevent e WHERE e.at < now() - make_interval(days => %(days)s)
  AND NOT EXISTS (SELECT 1 FROM audit_auditlink l
                  WHERE l.txid = e.txid AND l.at >= now() - make_interval(days => %(days)s))
"""
PURGE_LINKS = """
DELETE FROM audit_auditlink l WHERE l.at < now() - make_interval(days => %(days)s)
  AND l.id < (SELECT max(id) FROM audit_auditlink
              WHERE at < now() - make_interval(days => %(days)s))
  AND NOT EXISTS (SELECT 1 FROM audit_auditevent e
                  WHERE e.txid = l.txid AND e.id BETWEEN l.first_id AND l.last_id)
"""


def purge_expired(*, days: int | None = None) -> tuple[int, int]:
    """Delete events older than the retention parameter; returns (deleted, days).

    Runs as whoever the connection is: `manage.py purge_audit` connects as the maintenance
    role, the only one besides the owner holding DELETE on the audit tables."""
    retention = params.get("audit.retention_days")
    days = max(int(days or retention), retention)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PURGE_EVENTS, {"days": days})
        deleted = cursor.rowcount
        cursor.execute(PURGE_LINKS, {"days": days})
    return deleted, days
