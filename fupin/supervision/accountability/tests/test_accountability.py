"""Accountability records (问责): create, list with filters, statistics, jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.errors import ValidationFailed
from fupin.supervision import inspections
from fupin.supervision.accountability import services as accountability
from fupin.supervision.models import Accountability, AccountabilityKind, Finding, InspectionPlan
from fupin.testing import Personas, assert_jurisdiction, client_for, make_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def office(county_personas: Personas) -> Actor:
    return load_actor(county_personas.in_region)


@pytest.fixture
def finding(office: Actor, county: Any, township: Any) -> Finding:
    group = inspections.inspection_group_create(
        actor=office, region_code=county.code, name="督查组", leader_name="组长", member_names="甲"
    )
    plan = inspections.inspection_plan_create(
        actor=office,
        group_id=group.pk,
        title="专项督查",
        frequency=InspectionPlan.Frequency.ONCE,
        start_date=TODAY - dt.timedelta(days=3),
        end_date=TODAY,
        target_codes=[township.code],
    )
    visit = inspections.inspection_visit_record(
        actor=office, plan_id=plan.pk, region_code=township.code, visited_on=TODAY
    )
    return inspections.finding_record(
        actor=office,
        visit_id=visit.pk,
        description="帮扶责任人长期未入户走访",
        deadline=TODAY + dt.timedelta(days=5),
    )


def make(
    actor: Actor, region: str, kind: str, name: str, day: dt.date, **extra: Any
) -> Accountability:
    return accountability.accountability_create(
        actor=actor,
        region_code=region,
        kind=kind,
        subject_name=name,
        reason="履职不力，整改不到位",
        decided_on=day,
        deciding_body="中共射洪市纪律检查委员会",
        **extra,
    )


def test_create_list_and_statistics(
    county_personas: Personas, office: Actor, county: Any, township: Any,
    sibling_township: Any, finding: Finding,
) -> None:  # fmt: skip
    client = client_for(county_personas.in_region)
    response = client.post(
        reverse("supervision:accountability_new"),
        {
            "region": township.code,
            "kind": AccountabilityKind.RECALL,
            "subject_type": "person",
            "subject_name": "袁明军",
            "subject_title": "驻村第一书记",
            "reason": "驻村天数不足，帮扶走访流于形式",
            "decided_on": TODAY.isoformat(),
            "deciding_body": "射洪市委组织部",
            "alerts": [str(finding.alert_id)],
            "findings": [str(finding.pk)],
        },
    )
    assert response.status_code == 302
    record = Accountability.objects.get(subject_name="袁明军")
    assert record.county_code == county.code and record.kind == "recall"
    assert list(record.findings.all()) == [finding]
    assert [a.pk for a in record.alerts.all()] == [finding.alert_id]
    make(
        office,
        township.code,
        AccountabilityKind.CRITICISM,
        "某镇扶贫办",
        TODAY,
        subject_is_unit=True,
    )
    make(
        office,
        sibling_township.code,
        AccountabilityKind.TALK,
        "王某",
        dt.date(TODAY.year - 1, 6, 1),
    )

    stats = accountability.stats(office, accountability.Filters())
    kinds = {code: n for code, _, n in stats.by_kind}
    assert (
        stats.total == 3 and kinds["recall"] == 1 and kinds["criticism"] == 1 and kinds["talk"] == 1
    )
    regions = {code: n for code, _, n in stats.by_region}
    assert regions == {township.code: 2, sibling_township.code: 1}
    assert stats.by_year == [(TODAY.year - 1, 1), (TODAY.year, 2)]

    url = reverse("supervision:accountability")
    html = client.get(url).content.decode()
    assert "袁明军" in html and "召回" in html and "某镇扶贫办" in html and township.name in html
    html = client.get(f"{url}?kind=talk").content.decode()
    assert "王某" in html and "袁明军" not in html
    html = client.get(f"{url}?region={township.code}&year={TODAY.year}").content.decode()
    assert "袁明军" in html and "王某" not in html
    html = client.get(f"{url}?subject_type=unit").content.decode()
    assert "某镇扶贫办" in html and "袁明军" not in html
    # The discipline commission (read-only) reads everything in its county.
    html = client_for(county_personas.read_only).get(url).content.decode()
    assert "袁明军" in html and "登记问责" not in html


def test_validation(county_personas: Personas, office: Actor, township: Any) -> None:
    with pytest.raises(ValidationFailed, match="只适用于个人"):
        make(
            office, township.code, AccountabilityKind.DISMISS, "某单位", TODAY, subject_is_unit=True
        )
    with pytest.raises(ValidationFailed, match="决定日期不能晚于今天"):
        make(office, township.code, AccountabilityKind.TALK, "某", TODAY + dt.timedelta(days=1))
    response = client_for(county_personas.in_region).post(
        reverse("supervision:accountability_new"),
        {
            "region": township.code,
            "kind": "talk",
            "subject_name": "",
            "decided_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 422 and "请填写问责对象" in response.content.decode()
    assert not Accountability.objects.exists()


def test_links_outside_the_county_are_refused(
    office: Actor, township: Any, sibling_county: Any, finding: Finding
) -> None:
    sibling_office = load_actor(make_user("other", ("poverty_office", sibling_county.code)))
    with pytest.raises(ValidationFailed, match="关联督查问题不存在或不在船山区范围内"):
        make(
            sibling_office,
            sibling_county.code,
            AccountabilityKind.TALK,
            "某",
            TODAY,
            finding_ids=[finding.pk],
        )


def test_jurisdiction(county_personas: Personas, office: Actor, county: Any, township: Any) -> None:
    make(office, township.code, AccountabilityKind.ADMONISH, "李某", TODAY)
    url = reverse("supervision:accountability")
    assert_jurisdiction(county_personas, "get", f"{url}?region={county.code}")
    new = reverse("supervision:accountability_new")
    assert_jurisdiction(county_personas, "get", f"{new}?region={county.code}", write=True)
    body = {
        "region": township.code,
        "kind": "self_criticism",
        "subject_type": "person",
        "subject_name": "张某",
        "reason": "台账不实",
        "decided_on": TODAY.isoformat(),
        "deciding_body": "射洪市扶贫开发领导小组",
    }
    assert_jurisdiction(county_personas, "post", new, body, ok=(302,))
    assert Accountability.objects.filter(subject_name="张某").count() == 1
