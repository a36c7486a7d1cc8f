"""The alert list's count cards read the `supervision.alerts` rollup: it follows alerts being
opened by a sweep, moved through the workflow, cleared, closed, bulk-updated and deleted
(`stats_verify` finds no difference), its counts equal those of the raw rows, and reading
them costs the same few queries however many alerts there are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from fupin.core import stats
from fupin.registry.models import Member
from fupin.supervision import engine
from fupin.supervision.alerts import selectors, services
from fupin.supervision.alerts.selectors import AlertFilters
from fupin.supervision.models import Alert
from fupin.workflows.conftest import Officials

from .test_alert_flow import TODAY, photo, step, uninsured_alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def officials(db: Any, village: Any, settings: Any, tmp_path: Any) -> Officials:
    settings.MEDIA_ROOT = tmp_path  # rectification photos
    return Officials(village)


def raw_counts(actor: Any, filters: AlertFilters) -> dict[str, int]:
    """The cards as aggregated from the raw rows (the reference the rollup must equal)."""
    qs = selectors.alert_list(actor, AlertFilters(**{**filters.__dict__, "status": "all"}))
    return qs.order_by().aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(is_open=True)),
        overdue=Count("id", filter=Q(is_open=True, due_date__lt=TODAY)),
        closed=Count("id", filter=Q(is_open=False)),
        cleared=Count("id", filter=Q(is_open=True, cleared_at__isnull=False)),
    )


def assert_exact(officials: Officials, village: Any) -> None:
    assert stats.verify(["supervision.alerts"]) == []
    call_command("stats_verify", "--figure", "supervision.alerts")  # exits 1 on a difference
    for actor in (officials.township, officials.county, officials.province):
        for filters in (
            AlertFilters(),
            AlertFilters(rule="R103"),
            AlertFilters(rule="R101"),
            AlertFilters(state="noticed"),
            AlertFilters(state="closed", severity="high"),
            AlertFilters(severity="medium"),
            AlertFilters(region=village.code),
            AlertFilters(region=village.code[:9], rule="R103", state="assigned"),
            AlertFilters(unit=village.code),
        ):
            assert selectors.counts(actor, filters, on=TODAY) == raw_counts(actor, filters), filters


def test_alerts_opened_transitioned_and_closed_stay_exact(
    officials: Officials, village: Any
) -> None:
    first = uninsured_alert(officials, village)
    second = uninsured_alert(officials, village)
    third = uninsured_alert(officials, village)
    cards = selectors.counts(officials.county, AlertFilters(rule="R103"), on=TODAY)
    assert cards == {"total": 3, "open": 3, "overdue": 0, "closed": 0, "cleared": 0}
    assert_exact(officials, village)
    # 督办 with a deadline, then the deadline passes: overdue as of today.
    step(officials.township, first, "issue_notice", data={"deadline": "2026-06-05"})
    assert_exact(officials, village)
    cards = selectors.counts(officials.county, AlertFilters(), on=dt.date(2026, 6, 10))
    assert cards["overdue"] == 1 and cards["open"] == 3
    # Rectified, verified and closed (销号).
    services.rectification_submit(
        actor=officials.village, alert_id=first.pk, content="已补办参保手续", files=[photo()]
    )
    step(officials.village, first, "submit")
    assert_exact(officials, village)
    step(officials.township, first, "verify", comment="核验属实，同意销号")
    assert_exact(officials, village)
    # The condition clears on the next sweep, then the alert is closed as cleared.
    Member.objects.filter(pk=second.subject_id).update(insured_medical=True)
    engine.sweep(region_code=village.code[:6], codes=["R103"])
    cards = selectors.counts(officials.township, AlertFilters(), on=TODAY)
    assert cards["cleared"] == 1 and cards["closed"] == 1
    assert_exact(officials, village)
    step(officials.township, second, "close_cleared", comment="已参保")
    cards = selectors.counts(officials.township, AlertFilters(state="closed"), on=TODAY)
    assert cards == {"total": 2, "open": 0, "overdue": 0, "closed": 2, "cleared": 0}
    assert_exact(officials, village)
    # Bulk statements outside any service and a delete are caught too.
    Alert.objects.filter(pk=third.pk).update(severity="high")
    assert_exact(officials, village)
    Alert.objects.filter(pk=third.pk).delete()
    left = Alert.objects.count()
    assert selectors.counts(officials.county, AlertFilters(), on=TODAY)["total"] == left
    assert_exact(officials, village)


def test_card_counts_do_not_grow_with_alerts(officials: Officials, village: Any) -> None:
    def read_queries() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            selectors.counts(officials.county, AlertFilters(rule="R103"), on=TODAY)
        return [q["sql"] for q in queries.captured_queries]

    uninsured_alert(officials, village)
    few = read_queries()
    for _ in range(4):
        uninsured_alert(officials, village)
    many = read_queries()
    assert len(many) == len(few) <= 2
    # The cards come from the rollup; the one query on the alert rows is the date-driven
    # overdue count, on the open alerts' deadline index.
    assert sum("core_rollup" in q for q in many) == 1
    raw = [q for q in many if "supervision_alert" in q]
    assert len(raw) == 1 and "due_date" in raw[0]
    cards = selectors.counts(officials.county, AlertFilters(rule="R103"), on=TODAY)
    assert cards["total"] == 5
