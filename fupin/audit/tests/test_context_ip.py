"""A malformed client address never fails a write (issue 12.3): it is recorded as none."""

from __future__ import annotations

import pytest
from django.db import connection

from fupin.audit.models import AuditEvent
from fupin.core.context import set_session_context

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def test_malformed_ip_in_the_session_context_is_dropped(make_org):
    set_session_context(actor_id=None, actor_name="", ip="999.1.1.1, evil")
    try:
        make_org("甲单位")
    finally:
        set_session_context(actor_id=None, actor_name="", ip=None)
    assert AuditEvent.objects.get(table_name="regions_organisation").ip is None


def test_malformed_ip_set_directly_is_recorded_as_none_by_the_trigger(make_org):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('fupin.ip', 'not-an-address', false)")
    try:
        make_org("乙单位")
    finally:
        set_session_context(actor_id=None, actor_name="", ip=None)
    assert AuditEvent.objects.get(table_name="regions_organisation").ip is None
