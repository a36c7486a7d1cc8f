"""Revealing the personal data in audit events (SPEC §10): masked for everyone by default; a
holder of PERSONAL_DATA_VIEW over the whole audited jurisdiction may see one page of events
in full, with a reason — and that reveal is itself an audit row (action 'R')."""

from __future__ import annotations

from collections.abc import Sequence

from fupin.core.access import Actor, Perm

from .models import AuditEvent
from .services import access_record, has_personal_view, reveal_check


def can_reveal(actor: Actor) -> bool:
    return has_personal_view(actor, actor.region_codes(Perm.AUDIT_VIEW))


def events_reveal(*, actor: Actor, events: Sequence[AuditEvent], reason: str) -> bool:
    """Record that `actor` sees `events` unmasked (403 without the right, 422 without a
    reason); returns True so callers can write `reveal = events_reveal(...)`. Call it inside
    the request's transaction, before rendering."""
    reveal_check(actor, actor.region_codes(Perm.AUDIT_VIEW), reason)
    reason = reason.strip()
    access_record(
        actor=actor,
        table=AuditEvent._meta.db_table,
        object_pk=None,
        detail={"kind": "reveal", "events": [e.pk for e in events]},
        reason=reason,
    )
    return True
