"""纪委再监督: the four kinds list what the services produced, scoped to the discipline
organ's jurisdiction, read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.supervision.alerts import services
from fupin.supervision.models import Accountability, AccountabilityKind, Alert
from fupin.testing import Personas, assert_jurisdiction, client_for, make_user
from fupin.workflows import engine
from fupin.workflows.models import Notice, NoticeLevel, Objection, ObjectionSource

pytestmark = pytest.mark.django_db


def open_alert(village: Any, label: str, n: int) -> Alert:
    return services.alert_open(
        rule_code="INSPECT", rule_name="督查发现问题", subject_type="finding", subject_id=n,
        scope_id=0, label=label, region_code=village.code, unit_code=village.code,
        severity="medium", evidence={},
    )  # fmt: skip


def issue(actor: Actor, alert: Alert, issued: dt.date, deadline: dt.date) -> None:
    engine.case_transition(
        actor=actor, case_id=alert.case_id, step="issue_notice", today=issued,
        data={"deadline": deadline.isoformat()},
    )  # fmt: skip


@pytest.fixture
def world(village: Any, county: Any) -> dict[str, Any]:
    today = timezone.localdate()
    office = load_actor(make_user("xian", ("poverty_office", county.code)))
    township = load_actor(make_user("xiang", ("township", village.code[:9]), real_name="王乡长"))
    late = open_alert(village, "危房改造未完成", 1)
    issue(office, late, today - dt.timedelta(days=20), today - dt.timedelta(days=4))
    waiting = open_alert(village, "帮扶台账缺失", 2)
    Alert.objects.filter(pk=waiting.pk).update(first_seen_at=timezone.now() - dt.timedelta(days=10))
    cleared = open_alert(village, "低保未落实", 3)
    Alert.objects.filter(pk=cleared.pk).update(cleared_at=timezone.now())
    engine.case_transition(
        actor=township, case_id=cleared.case_id, step="close_cleared",
        comment="村里已自行纠正，条件消除",
    )  # fmt: skip
    notice = Notice.objects.create(
        notice_no="GS-TEST-1", kind="identification", stage="village", level=NoticeLevel.VILLAGE,
        region=village, region_code=village.code, county_code=county.code, title="贫困户公示",
        start_date=today - dt.timedelta(days=12), end_date=today - dt.timedelta(days=5),
    )  # fmt: skip
    objection = Objection.objects.create(
        notice=notice, county_code=county.code, source=ObjectionSource.PUBLIC, name="李四",
        content="该户家有小轿车，不符合条件",
    )  # fmt: skip
    Objection.objects.filter(pk=objection.pk).update(
        created_at=timezone.now() - dt.timedelta(days=9)
    )
    Accountability.objects.create(
        region=village, region_code=village.code, county_code=county.code,
        kind=AccountabilityKind.ADMONISH, subject_name="赵某某", subject_title="村支书",
        reason="督办事项逾期未整改", decided_on=today, deciding_body="射洪市纪委监委",
    )  # fmt: skip
    return {"late": late, "waiting": waiting, "cleared": cleared}


@pytest.fixture
def discipline(county: Any) -> Any:
    return make_user("jiwei", ("discipline", county.code))


def test_alerts_kind_lists_overdue_unhandled_escalated_and_cleared(
    world: dict[str, Any], discipline: Any, county: Any
) -> None:
    services.alerts_escalate_overdue()
    response = client_for(discipline).get(f"/supervision/discipline/alerts/?region={county.code}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "逾期升级记录" in page and "危房改造未完成" in page
    assert "超过 7 天未督办的预警" in page and "帮扶台账缺失" in page
    assert "村里已自行纠正，条件消除" in page and "王乡长" in page
    assert "4 天" in page  # overdue days at escalation


def test_overview_and_other_kinds(world: dict[str, Any], discipline: Any) -> None:
    client = client_for(discipline)
    overview = client.get("/supervision/discipline/").content.decode()
    for title in ("预警处置情况", "问题线索核实情况", "部门监管履职情况", "干部作风纪律情况"):
        assert title in overview
    assert "危房改造未完成" in overview  # overdue on the overview
    clues = client.get("/supervision/discipline/clues/").content.decode()
    assert "该户家有小轿车" in clues and "9 天" in clues and "李*" in clues
    duties = client.get("/supervision/discipline/duties/").content.decode()
    assert "各责任单位督办整改情况" in duties and world["late"].unit_code[:6] == "510981"
    cadres = client.get("/supervision/discipline/cadres/").content.decode()
    assert "赵某某" in cadres and "诫勉谈话" in cadres


def test_scoped_read_only(world: dict[str, Any], county: Any, sibling_county: Any,
                          village: Any) -> None:  # fmt: skip
    personas = Personas(
        in_region=make_user("jiwei1", ("discipline", county.code)),
        read_only=make_user("jiwei2", ("discipline", county.code)),
        out_of_region=make_user("jiwei_sib", ("discipline", sibling_county.code)),
    )
    assert_jurisdiction(personas, "get", f"/supervision/discipline/?region={county.code}")
    assert_jurisdiction(personas, "get", f"/supervision/discipline/alerts/?region={county.code}")
    # The sibling county's own page does not show this county's alerts.
    page = client_for(personas.out_of_region).get("/supervision/discipline/alerts/")
    assert page.status_code == 200 and "危房改造未完成" not in page.content.decode()
    township = client_for(make_user("xz", ("township", village.code[:9])))
    assert township.get("/supervision/discipline/").status_code == 403
    assert township.get(f"/supervision/discipline/?region={village.code[:9]}").status_code == 403
    office = client_for(make_user("office2", ("poverty_office", county.code)))
    assert office.get("/supervision/discipline/cadres/").status_code == 403
    assert client_for(personas.in_region).get("/supervision/discipline/nope/").status_code == 404
    # Read-only: nothing to post.
    assert client_for(personas.in_region).post("/supervision/discipline/").status_code == 405
