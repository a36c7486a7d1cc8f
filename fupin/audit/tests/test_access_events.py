"""Every full view or export of personal data leaves an audit row: who, what, when, why."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from fupin.accounts.selectors import load_actor
from fupin.audit.display import present
from fupin.audit.models import Action, AuditEvent
from fupin.audit.services import access_record
from fupin.core.context import clear_session_context, set_session_context
from fupin.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def test_access_record_names_who_what_why_and_where(county):
    user = make_user("officer", ("poverty_office", county.code))
    actor = load_actor(user)
    set_session_context(actor_id=user.pk, actor_name=user.username, ip="10.9.8.7")
    try:
        event_id = access_record(
            actor=actor,
            table="registry_member",
            object_pk=42,
            detail={"kind": "reveal", "fields": ["id_number"]},
            reason="核实身份",
        )
    finally:
        clear_session_context()
    event = AuditEvent.objects.get(pk=event_id)
    assert event.action == Action.ACCESS
    assert (event.actor_id, event.actor_name) == (user.pk, "officer")
    assert (event.table_name, event.object_pk, event.reason) == (
        "registry_member",
        "42",
        "核实身份",
    )
    assert str(event.ip) == "10.9.8.7"
    assert event.new == {"kind": "reveal", "fields": ["id_number"]}
    shown = present(event)
    assert shown["action_label"] == "查看或导出完整个人信息"
    assert [c.label for c in shown["changes"]] == ["方式", "查看项"]


def test_a_malformed_ip_in_the_context_does_not_fail_the_record(county):
    user = make_user("officer", ("poverty_office", county.code))
    set_session_context(actor_id=user.pk, actor_name=user.username, ip="not-an-ip")
    try:
        event_id = access_record(
            actor=load_actor(user),
            table="registry_member",
            object_pk=None,
            detail={"kind": "export", "rows": 3},
            reason="上报",
        )
    finally:
        clear_session_context()
    assert AuditEvent.objects.get(pk=event_id).ip is None


def test_access_rows_are_append_only(county):
    user = make_user("officer", ("poverty_office", county.code))
    event_id = access_record(
        actor=load_actor(user),
        table="registry_member",
        object_pk=1,
        detail={"kind": "reveal"},
        reason="核实",
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event_id).delete()
