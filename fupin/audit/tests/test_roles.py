"""Acceptance (issue 12.3): the application's role cannot alter or empty the audit trail, yet
its audited writes still record; the maintenance role purges only rows past the retention.

The roles are created inside the test's transaction (rolled back with it, so nothing is left
on the shared server; names carry the test database's so parallel runs never meet) and get
exactly the grants `migrate` applies (fupin.audit.roles). The test then switches to them
with SET LOCAL ROLE: privileges are checked against the current role, as for a connection
made as that role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fupin.audit.models import AuditEvent
from fupin.audit.roles import apply_grants
from fupin.audit.services import purge_expired
from fupin.regions.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def _role(suffix: str) -> str:
    return f"{connection.settings_dict['NAME']}_{suffix}"


def _sql(statement: str, params: list[Any] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    app, maint = _role("app"), _role("maint")
    for name in (app, maint):
        _sql(f'CREATE ROLE "{name}" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    apply_grants(app, maint)
    yield app, maint
    _sql("RESET ROLE")


def _as(role: str) -> None:
    _sql(f'SET LOCAL ROLE "{role}"')


def _refused(statement: str, match: str = "permission denied|must be owner") -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        _sql(statement)


def _event_at(days_ago: int) -> AuditEvent:
    return AuditEvent.objects.create(
        at=timezone.now() - dt.timedelta(days=days_ago),
        table_name="regions_organisation",
        object_pk=str(days_ago),
        action="I",
        txid=0,
    )


def test_app_role_cannot_alter_or_empty_the_audit_trail(roles, make_org):
    app, _ = roles
    org = make_org("某单位")  # an audited row written before, as the owner
    event_id = AuditEvent.objects.get(table_name="regions_organisation").pk
    _as(app)
    assert _sql("SELECT current_user")[0][0] == app
    _refused(f"UPDATE audit_auditevent SET reason = '篡改' WHERE id = {event_id}")
    _refused(f"DELETE FROM audit_auditevent WHERE id = {event_id}")
    _refused("TRUNCATE audit_auditevent")
    _refused("TRUNCATE audit_auditlink")
    _refused("DELETE FROM audit_auditlink")
    _refused("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
    _refused("ALTER TABLE regions_organisation DISABLE TRIGGER fupin_audit_update")
    _refused("DROP TRIGGER audit_append_only ON audit_auditevent")
    _refused(
        "INSERT INTO audit_auditevent (at, table_name, action, actor_name, reason, txid)"
        " VALUES (now(), 'regions_organisation', 'I', 'x', '伪造', 0)"
    )
    _refused("INSERT INTO audit_txmark VALUES (1)")
    _refused("SELECT fupin_audit_mark()")
    _refused("DELETE FROM audit_auditbatch")
    # The old escape hatch: a custom setting anybody may set opens nothing.
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _sql("SET LOCAL fupin.audit_purge = '0'")
        _sql(f"DELETE FROM audit_auditevent WHERE id = {event_id}")
    # Its own writes are still recorded, through the owner's trigger function.
    with transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(address="太和街道2号")
        recorded = _sql(
            "SELECT new ->> 'address', hash IS NOT NULL FROM audit_auditevent"
            " WHERE table_name = 'regions_organisation' AND action = 'U' AND object_pk = %s",
            [str(org.pk)],
        )
    assert recorded == [("太和街道2号", True)]
    assert _sql("SELECT reason FROM audit_auditevent WHERE id = %s", [event_id]) == [("测试建档",)]


def test_app_role_owns_nothing_and_stages_imports_in_its_own_schema(roles):
    app, _ = roles
    _as(app)
    owned = _sql(
        "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        " AND relowner = current_user::regrole"
    )
    assert owned == [(0,)]
    _refused("CREATE TABLE public.scratch (x int)")
    _sql("CREATE UNLOGGED TABLE registry_stage_test (x int)")
    schema = _sql(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relname = 'registry_stage_test'"
    )
    assert schema == [(app,)]


def test_maintenance_role_purges_only_rows_past_the_retention(roles):
    _, maint = roles
    old, recent = _event_at(200), _event_at(170)
    _as(maint)
    _refused(f"UPDATE audit_auditevent SET reason = 'x' WHERE id = {old.pk}")
    _refused(f"DELETE FROM audit_auditevent WHERE id = {recent.pk}", "只能追加")
    # A shorter retention asked of the database is not obeyed: it reads the parameter.
    _refused("DELETE FROM audit_auditevent WHERE at < now() - interval '1 day'", "只能追加")
    deleted, days = purge_expired()
    assert (deleted, days) == (1, 180)
    _sql("RESET ROLE")
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_check_deploy_warns_when_the_app_connects_as_a_superuser(roles, monkeypatch):
    from fupin.audit.roles import check_app_role

    # (The check leaves the embedded server alone: it sets its roles up itself.)
    monkeypatch.setitem(connection.settings_dict, "ENGINE", "django.db.backends.postgresql")
    assert [w.id for w in check_app_role()] == ["fupin.W001"]  # the suite runs as postgres
    _as(roles[0])
    assert check_app_role() == []
