"""Issue 12: alert titles never carry a name or a health detail; the data migration rewrites
the open alerts made before the rules changed their labels."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection

from fupin.registry import services as registry
from fupin.supervision.models import Alert
from fupin.supervision.tests.test_on_change import household_with_child
from fupin.workflows.conftest import Officials

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("fupin.supervision.migrations.0004_alert_titles_without_names")


@pytest.fixture
def officials(db: Any, village: Any) -> Officials:
    return Officials(village)


def test_open_alerts_lose_the_names_in_their_titles(officials: Officials, village: Any) -> None:
    household = household_with_child(officials, village)
    daughter = household.members.get(name="张小红")
    registry.member_update(
        actor=officials.village, member_id=daughter.pk, version=daughter.version,
        data={"schooling": "dropout"},
    )  # fmt: skip
    alert = Alert.objects.get(rule_code="R102")
    expected = f"户编号 {household.household_no}"
    # As the rule labelled it before: the child's and the head's names.
    old = f"张小红（张大山户（{household.household_no}））"
    Alert.objects.filter(pk=alert.pk).update(subject_label=old)
    alert.case.__class__.objects.filter(pk=alert.case_id).update(
        title=f"义务教育阶段适龄儿童失学辍学：{old}"
    )
    closed = Alert.objects.filter(pk=alert.pk)
    with connection.cursor() as cursor:
        for sql, params in MIGRATION.FORWARD:
            cursor.execute(sql, params)
    alert = closed.select_related("case").get()
    assert alert.subject_label == expected
    assert alert.case.title == f"义务教育阶段适龄儿童失学辍学：{expected}"
    assert "张" not in alert.case.title
