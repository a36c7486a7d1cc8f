"""A record links only alerts and findings of its own region, and a reader sees the linked
items they may read (issue 12, point 2)."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.core.errors import ValidationFailed
from fupin.supervision.accountability.tests.test_accountability import TODAY, finding, make
from fupin.supervision.models import AccountabilityKind, Finding
from fupin.supervision.tests.test_api import dropout_alert
from fupin.testing import Personas, client_for, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/accountability"
__all__ = ["finding"]  # the fixture, imported for these tests


@pytest.fixture
def office(county_personas: Personas) -> Any:
    return load_actor(county_personas.in_region)


def test_links_outside_the_record_region_are_refused(
    office: Any, county_personas: Personas, township: Any, sibling_township: Any, finding: Finding
) -> None:
    """The county office may read both townships, but a record of the sibling township cannot
    cite an alert or a finding of this one."""
    alert = dropout_alert(township.children.order_by("code").first(), county_personas.in_region)
    with pytest.raises(ValidationFailed, match=r"关联预警不存在或不在.*范围内") as refused:
        make(
            office,
            sibling_township.code,
            AccountabilityKind.TALK,
            "某",
            TODAY,
            alert_ids=[alert.pk],
        )
    assert refused.value.errors == {"alerts": [f"预警不在{sibling_township.name}范围内"]}
    with pytest.raises(ValidationFailed, match="关联督查问题不存在或不在"):
        make(
            office, sibling_township.code, AccountabilityKind.TALK, "某", TODAY,
            finding_ids=[finding.pk],
        )  # fmt: skip
    record = make(
        office, township.code, AccountabilityKind.TALK, "某", TODAY,
        alert_ids=[alert.pk], finding_ids=[finding.pk],
    )  # fmt: skip
    assert list(record.alerts.all()) == [alert] and list(record.findings.all()) == [finding]


def test_reader_sees_only_the_linked_items_they_may_read(
    office: Any, county_personas: Personas, township: Any, sibling_township: Any, finding: Finding
) -> None:
    """A record linked (before the rule held) to a sibling township's alert: the township
    reads the record without that alert's detail; the county reads everything."""
    record = make(
        office, township.code, AccountabilityKind.TALK, "某", TODAY, finding_ids=[finding.pk]
    )
    foreign_village = sibling_township.children.order_by("code").first()
    foreign = dropout_alert(foreign_village, county_personas.in_region)
    record.alerts.add(foreign)
    user = make_user("acc_township", ("township", township.code))
    body = client_for(user).get(f"{API}/{record.pk}").json()
    assert body["alerts"] == [] and [f["id"] for f in body["findings"]] == [finding.pk]
    assert body["alert_count"] == 1  # a total, without detail
    body = client_for(county_personas.in_region).get(f"{API}/{record.pk}").json()
    assert [a["id"] for a in body["alerts"]] == [foreign.pk]
