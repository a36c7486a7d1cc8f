"""The trail catches what the ORM hides: raw bulk SQL, COPY; and it is append-only."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.audit.services import batch_finish, batch_start, bulk_audit
from fupin.core import params
from fupin.core.context import audit_context, set_session_context
from fupin.core.errors import ValidationFailed
from fupin.core.models import Parameter
from fupin.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

COPY_SQL = (
    "COPY regions_organisation (name, kind, sector, region_id, region_code, credit_code,"
    " contact_name, contact_phone, address, is_active, created_at, updated_at, version)"
    " FROM STDIN"
)


def copy_organisations(region_code: str, names: list[str]) -> None:
    now = timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(COPY_SQL) as copy:
        for name in names:
            copy.write_row(
                [
                    name,
                    "enterprise",
                    "",
                    region_code,
                    region_code,
                    "",
                    "",
                    "",
                    "",
                    True,
                    now,
                    now,
                    1,
                ]
            )


def test_bulk_sql_update_is_recorded_row_by_row(county, make_org):
    orgs = [make_org(f"单位{i}") for i in range(3)]
    user = make_user("clerk", ("region_admin", county.code))
    set_session_context(actor_id=user.pk, actor_name=user.username, ip="10.1.2.3")
    try:
        with audit_context(reason="统一更正地址"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE regions_organisation SET address = %s WHERE id = ANY(%s)",
                ["太和街道1号", [o.pk for o in orgs]],
            )
    finally:
        set_session_context(actor_id=None, actor_name="", ip=None)
    events = AuditEvent.objects.filter(table_name="regions_organisation", action="U")
    assert sorted(str(e.object_pk) for e in events) == sorted(str(o.pk) for o in orgs)
    for event in events:
        # The touch trigger (fupin.core.touch) stamps the time and the acting user as well.
        old, new = event.old or {}, event.new or {}
        assert set(new) == {"address", "updated_at", "updated_by_id"}
        assert old["address"] == "" and new["address"] == "太和街道1号"
        assert old["updated_by_id"] is None and new["updated_by_id"] == user.pk
        assert new["updated_at"] > old["updated_at"]
        assert event.actor_id == user.pk
        assert event.actor_name == "clerk"
        assert event.ip == "10.1.2.3"
        assert event.reason == "统一更正地址"


def test_copy_in_bulk_mode_writes_one_summary_with_batch(county):
    user = make_user("importer", ("region_admin", county.code))
    batch = batch_start(actor=load_actor(user), kind="import", reason="年度导入")
    with bulk_audit(batch):
        copy_organisations(county.code, ["甲公司", "乙公司", "丙公司"])
    batch_finish(batch, 3)
    events = list(AuditEvent.objects.filter(table_name="regions_organisation"))
    assert len(events) == 1
    assert events[0].action == "B"
    assert events[0].batch_id == batch.pk
    assert (events[0].new or {})["rows"] == 3
    assert events[0].actor_id == user.pk
    assert events[0].reason == "年度导入"
    batch.refresh_from_db()
    assert batch.row_count == 3 and batch.finished_at is not None


def test_plain_copy_writes_one_event_per_row(county):
    copy_organisations(county.code, ["甲公司", "乙公司", "丙公司"])
    events = AuditEvent.objects.filter(table_name="regions_organisation")
    assert events.count() == 3
    assert {e.action for e in events} == {"I"}
    assert {(e.new or {})["name"] for e in events} == {"甲公司", "乙公司", "丙公司"}


def test_application_cannot_change_or_delete_audit_rows(county, make_org):
    make_org("某单位")
    event = AuditEvent.objects.filter(table_name="regions_organisation").get()
    with pytest.raises(DatabaseError, match="审计记录只能追加"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="篡改")
    with pytest.raises(DatabaseError, match="审计记录只能追加"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == "测试建档"


def _event_at(days_ago: int) -> AuditEvent:
    return AuditEvent.objects.create(
        at=timezone.now() - dt.timedelta(days=days_ago),
        table_name="regions_organisation",
        object_pk=str(days_ago),
        action="I",
        txid=0,
    )


def test_purge_deletes_only_events_older_than_retention():
    old, recent = _event_at(200), _event_at(170)
    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert "已删除 1 条" in out.getvalue()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    # Outside the purge the append-only rule is back.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=recent.pk).delete()


def test_purge_follows_the_retention_parameter():
    Parameter.objects.create(key="audit.retention_days", region_code="", value=365)
    kept, gone = _event_at(200), _event_at(400)
    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert "365 天" in out.getvalue()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(pk=gone.pk).exists()


def test_retention_cannot_be_set_below_180_days(county):
    root = load_actor(make_user("root", ("sysadmin", "51")))
    with pytest.raises(ValidationFailed, match="不得小于 180"):
        params.set_parameter(
            actor=root,
            key="audit.retention_days",
            region_code="",
            year=None,
            value="90",
            reason="节省空间",
        )
    params.set_parameter(
        actor=root,
        key="audit.retention_days",
        region_code="",
        year=None,
        value="200",
        reason="延长",
    )
    assert params.get("audit.retention_days") == 200
