"""Acceptance (issue 12.3): `audit_verify` passes on a real history and detects a modified
row, a deleted row, a forged row and a broken link.

Transactional tests: the chain is appended at commit, and two connections commit in an
order different from their transaction ids. pytest-django empties every table after each,
so the module reloads the test counties after itself (as the other transactional tests do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from fupin.audit.models import AuditBatch, AuditLink
from fupin.audit.services import access_record, bulk_audit
from fupin.audit.tests.test_triggers import copy_organisations
from fupin.core.access import Actor
from fupin.core.context import audit_context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pgcompat]


def _seed() -> None:
    from fupin.regions.loader import load_regions
    from fupin.testing import TEST_REGION_PREFIXES

    load_regions(TEST_REGION_PREFIXES)


@pytest.fixture(scope="module", autouse=True)
def restore_after_module(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _seed()


def _connect() -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


def _sql(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def history(transactional_db: Any) -> None:
    """Single writes, a multi-row UPDATE, a bulk COPY import, a plain COPY, a reveal, and
    two transactions that commit in the opposite order of their txids."""
    _seed()
    code = "510981"
    from fupin.regions.models import Organisation

    for i in range(3):
        with audit_context(reason="建档"):
            Organisation.objects.create(name=f"单位{i}", kind="government", region_id=code,
                                        region_code=code)  # fmt: skip
    with audit_context(reason="统一更正"):
        Organisation.objects.filter(region_code=code).update(address="太和街道1号")
    batch = AuditBatch.objects.create(kind="import", reason="年度导入")
    with bulk_audit(batch):
        copy_organisations(code, [f"导入{i}" for i in range(50)])
    with transaction.atomic():
        copy_organisations(code, ["甲公司", "乙公司"])
        # Fires the pending link early (Django's constraint checks do this); what follows in
        # the same transaction gets a second link.
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        _sql("SET CONSTRAINTS ALL DEFERRED")
        Organisation.objects.filter(name="甲公司").delete()
    access_record(
        actor=Actor(user_id=None, username="clerk", grants=()),
        table="regions_organisation",
        object_pk=1,
        detail={"kind": "reveal"},
        reason="核对",
    )
    first, second = _connect(), _connect()
    insert = (
        "INSERT INTO regions_organisation (name, kind, sector, region_id, region_code,"
        " credit_code, contact_name, contact_phone, address, is_active, created_at,"
        " updated_at, version) VALUES (%s, 'enterprise', '', %s, %s, '', '', '', '', true,"
        " now(), now(), 1)"
    )
    try:
        first.execute(insert, ["先开始", code, code])
        second.execute(insert, ["后开始", code, code])
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()


def test_verify_passes_on_a_real_history(history):
    code, out, err = _verify()
    assert code == 0, err
    assert "校验通过" in out
    head = AuditLink.objects.order_by("-id").first()
    assert head is not None and head.hash.hex() in out
    txids = list(AuditLink.objects.order_by("id").values_list("txid", flat=True))
    assert txids[-1] < txids[-2], "the last commit has the older txid"
    assert len(txids) == len(set(txids)) + 1  # the early-fired transaction has two links


def _tamper(statement: str, trigger: str = "audit_append_only",
            table: str = "audit_auditevent") -> None:  # fmt: skip
    # As the superuser the tests run as: what no application role could do.
    _sql(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    _sql(statement)
    _sql(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def _event_id(offset: int = 0) -> int:
    return int(
        _sql("SELECT id FROM audit_auditevent ORDER BY id OFFSET %s LIMIT 1", [offset])[0][0]
    )


def test_verify_detects_a_modified_row(history):
    target = _event_id(2)
    _tamper(f"UPDATE audit_auditevent SET reason = '无' WHERE id = {target}")
    code, _, err = _verify()
    assert code == 1
    assert f"审计记录 #{target} 的内容与校验值不符" in err


def test_verify_detects_a_modified_row_with_its_hash_recomputed(history):
    from fupin.audit.sql import EVENT_HASH

    target = _event_id(1)
    _tamper(f"UPDATE audit_auditevent SET reason = '无' WHERE id = {target}")
    _tamper(f"UPDATE audit_auditevent s SET hash = {EVENT_HASH} WHERE s.id = {target}")
    code, _, err = _verify()
    assert code == 1
    assert "有记录被替换" in err


def test_verify_detects_a_deleted_row(history):
    _tamper(f"DELETE FROM audit_auditevent WHERE id = {_event_id(4)}")
    code, _, err = _verify()
    assert code == 1
    assert "有记录被删除" in err


def test_verify_detects_a_forged_row(history):
    from fupin.audit.sql import EVENT_HASH

    # Inserted directly by the superuser, with a well-formed hash: no link covers it.
    _sql(
        "INSERT INTO audit_auditevent (id, at, table_name, object_pk, action, actor_name, reason,"
        " txid) VALUES (nextval('audit_auditevent_id_seq'), now(), 'regions_organisation', '1',"
        " 'D', 'x', '伪造', txid_current())"
    )
    forged = _sql("SELECT max(id) FROM audit_auditevent")[0][0]
    _tamper(f"UPDATE audit_auditevent s SET hash = {EVENT_HASH} WHERE s.id = {forged}")
    code, _, err = _verify()
    assert code == 1
    assert f"审计记录 #{forged} 不在任何校验环中" in err


def test_verify_detects_a_broken_link(history):
    middle = AuditLink.objects.order_by("id")[2]
    _tamper(
        f"UPDATE audit_auditlink SET n = n + 1 WHERE id = {middle.pk}",
        "audit_link_append_only",
        "audit_auditlink",
    )
    code, _, err = _verify()
    assert code == 1
    assert f"校验环 #{middle.pk} 的校验值不符" in err
    _tamper(
        f"UPDATE audit_auditlink SET prev = hash WHERE id = {middle.pk + 1}",
        "audit_link_append_only",
        "audit_auditlink",
    )
    _, _, err = _verify()
    assert f"校验环 #{middle.pk + 1} 与上一环不相连" in err


def _age(txids: list[int], when: dt.datetime) -> None:
    """Make these transactions look committed at `when`, and re-hash every row and link as
    the triggers would have then (what a purge finds after the retention has passed)."""
    from fupin.audit.sql import EVENT_HASH, GENESIS, LINK_FIELDS, canonical_sql

    aged = f"'{when.isoformat()}'"
    _tamper(f"UPDATE audit_auditevent SET at = {aged} WHERE txid = ANY(ARRAY{txids}::bigint[])")
    _tamper(f"UPDATE audit_auditevent s SET hash = {EVENT_HASH} WHERE txid = ANY(ARRAY{txids})")
    link_hash = f"sha256(l.prev || convert_to({canonical_sql(LINK_FIELDS, 'l')}, 'UTF8'))"
    prev = bytes.fromhex(GENESIS[2:])
    _sql("ALTER TABLE audit_auditlink DISABLE TRIGGER audit_link_append_only")
    for (link_id,) in _sql("SELECT id FROM audit_auditlink ORDER BY id"):
        _sql(
            "UPDATE audit_auditlink l SET prev = %s,"
            " at = CASE WHEN txid = ANY(%s) THEN %s ELSE at END,"
            " digest = (SELECT sha256(string_agg(e.hash, ''::bytea ORDER BY e.id))"
            "   FROM audit_auditevent e WHERE e.txid = l.txid"
            "   AND e.id BETWEEN l.first_id AND l.last_id) WHERE id = %s",
            [prev, txids, when, link_id],
        )
        prev = bytes(_sql(f"UPDATE audit_auditlink l SET hash = {link_hash} WHERE id = %s"
                          " RETURNING hash", [link_id])[0][0])  # fmt: skip
    _sql("ALTER TABLE audit_auditlink ENABLE TRIGGER audit_link_append_only")


def test_purge_removes_whole_old_transactions_and_the_chain_still_verifies(history):
    links = list(AuditLink.objects.order_by("id"))
    old = [link.txid for link in links[:3]]
    _age(old, timezone.now() - dt.timedelta(days=400))
    assert _verify()[0] == 0  # the aged history is consistent before the purge
    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert "已删除" in out.getvalue()
    assert not _sql("SELECT 1 FROM audit_auditevent WHERE txid = ANY(%s)", [old])
    # Links whose events are gone go too, but the newest of them stays as the anchor.
    kept = list(AuditLink.objects.filter(txid__in=old).values_list("pk", flat=True))
    assert kept == [links[2].pk]
    code, out_text, err = _verify()
    assert code == 0, err
    assert f"起点：校验环 #{links[2].pk}" in out_text
    # A link that kept its events cannot be purged, nor a young one (the database says no).
    with pytest.raises(Exception, match="只能追加"), transaction.atomic():
        AuditLink.objects.filter(pk=links[-1].pk).delete()
