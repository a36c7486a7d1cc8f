import datetime as dt

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.registry import services as registry
from fupin.registry.tests.factories import family, household_data, member
from fupin.supervision import engine
from fupin.supervision.models import Alert
from fupin.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


def test_child_out_of_school_raises_one_alert_on_change_and_merges_on_sweep(village):
    office = load_actor(make_user("office", ("poverty_office", village.code[:6])))
    today = timezone.localdate()
    child_birth = dt.date(today.year - 10, 1, 15)
    people = [
        *family(village.code[:6]),
        member(
            village.code[:6], "张小红", "daughter", child_birth, male=False, schooling="primary"
        ),
    ]
    household = registry.household_create(
        actor=office, village_code=village.code, data=household_data(f"{village.code}0001"),
        members=people,
    ).household  # fmt: skip
    assert not Alert.objects.filter(rule_code="R102").exists()
    child = household.members.get(name="张小红")
    registry.member_update(
        actor=office, member_id=child.pk, version=child.version, data={"schooling": "not_in_school"}
    )
    alerts = Alert.objects.filter(rule_code="R102")
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.region_code == village.code and alert.case.state == "assigned"
    assert alert.evidence["年龄"] == 10
    results = {r.rule: r for r in engine.sweep(region_code=village.code[:6])}
    assert results["R102"].refreshed == 1 and results["R102"].opened == 0
    assert Alert.objects.filter(rule_code="R102").count() == 1
    alert.refresh_from_db()
    assert alert.hit_count == 2
    child.refresh_from_db()
    registry.member_update(
        actor=office, member_id=child.pk, version=child.version, data={"schooling": "primary"}
    )
    alert.refresh_from_db()
    assert alert.cleared_at is not None and alert.is_open
