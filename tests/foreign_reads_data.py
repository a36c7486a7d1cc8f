"""The objects the demo county lacks at a sibling township or at the county level, made for
tests/test_foreign_reads.py by copying demo rows (so each probe has a target)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fupin.accounts.models import User
from fupin.demo.services import DEMO_COUNTY
from fupin.registry.models import Household, ImportJob
from fupin.supervision.models import (
    Accountability,
    Alert,
    InspectionGroup,
    InspectionPlan,
    Rectification,
    RectificationFile,
    SupervisionNotice,
)
from fupin.workflows.models import Case, CaseDocument, Notice, NoticeEntry, Objection, Sample
from fupin.workflows.samples.models import SampleItem

TOWNSHIP = DEMO_COUNTY + "105"  # the demo township (the demo logins' township)


def clone(obj: Any, **changes: Any) -> Any:
    obj.pk = obj.id = None
    obj._state.adding = True
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def add_missing_levels() -> None:
    """The demo keeps county-level cases, alerts and records and sibling-township samples and
    imports to a few: make one of each the probes need."""
    from fupin.regions.models import Region

    county = Region.objects.get(code=DEMO_COUNTY)
    sibling_case = Case.objects.filter(
        region_code__startswith=DEMO_COUNTY, kind="identification"
    ).exclude(region_code__startswith=TOWNSHIP).first() or clone(
        Case.objects.filter(kind="identification").first(),
        case_no="FOREIGN-SIB-1",
        region=Region.objects.get(code=DEMO_COUNTY + "001"),
        region_code=DEMO_COUNTY + "001",
        household=None,
    )
    ancestor_case = clone(
        Case.objects.filter(kind="identification").first(),
        case_no="FOREIGN-ANC-1", kind="county_exit", region=county, region_code=DEMO_COUNTY,
        subject_level="county", household=None,
    )  # fmt: skip
    alert = Alert.objects.select_related("case").filter(region_code__startswith=TOWNSHIP).first()
    assert alert is not None
    alert_case = clone(alert.case, case_no="FOREIGN-ANC-2", region=county, region_code=DEMO_COUNTY)
    county_alert = clone(
        Alert.objects.get(pk=alert.pk), case=alert_case, region_code=DEMO_COUNTY,
        is_open=False, household=None,
    )  # fmt: skip
    supervision_notice = SupervisionNotice.objects.order_by("pk").first()
    assert supervision_notice is not None
    clone(supervision_notice, alert=county_alert, notice_no="督-FOREIGN-1")
    sibling_alert = (
        Alert.objects.filter(region_code__regex=rf"^{DEMO_COUNTY}[0-9]{{3}}")
        .exclude(region_code__startswith=TOWNSHIP)
        .first()
    )
    assert sibling_alert is not None
    rectification = Rectification.objects.create(alert=sibling_alert, content="已整改")
    RectificationFile.objects.create(rectification=rectification, file="x.jpg", name="x.jpg")
    sibling = Region.objects.get(code=DEMO_COUNTY + "001")
    group = clone(
        InspectionGroup.objects.filter(region_code=DEMO_COUNTY).first(),
        region=sibling, region_code=sibling.code,
    )  # fmt: skip
    clone(
        InspectionPlan.objects.filter(region_code=DEMO_COUNTY).first(),
        group=group, region_code=sibling.code,
    )  # fmt: skip
    village_notice = Notice.objects.filter(level="village").first()
    assert village_notice is not None
    sibling_village = sibling_case.region
    village_notice = clone(
        village_notice, notice_no="GS-FOREIGN-2", region=sibling_village,
        region_code=sibling_village.code,
    )  # fmt: skip
    NoticeEntry.objects.create(notice=village_notice, case=sibling_case, published={})
    today = timezone.localdate()
    notice = Notice.objects.create(
        notice_no="GS-FOREIGN-1", kind="identification", stage="publish_county", level="county",
        region=county, region_code=DEMO_COUNTY, county_code=DEMO_COUNTY, title="县级公告",
        start_date=today, end_date=today,
    )  # fmt: skip
    entry = NoticeEntry.objects.create(
        notice=notice, case=sibling_case, published={"head": "李*华"}
    )
    Objection.objects.create(
        notice=notice, entry=entry, case=sibling_case, county_code=DEMO_COUNTY, source="staff",
        name="钱外乡", phone="13900002222", content="反映该户情况",
    )  # fmt: skip
    for case in (sibling_case, ancestor_case):
        CaseDocument.objects.create(case=case, kind="other", file="x.pdf", name="x.pdf", size=1)
    Accountability.objects.create(
        region=county, region_code=DEMO_COUNTY, county_code=DEMO_COUNTY, kind="talk",
        subject_name="某局", reason="履职不力", decided_on=today, deciding_body="纪委监委",
    )  # fmt: skip
    for code in (DEMO_COUNTY + "001", DEMO_COUNTY):
        ImportJob.objects.create(
            actor=User.objects.get(username="demo_office"),
            region_code=code, mode="insert", file="x.csv", original_name="x.csv",
            file_sha256="0" * 64,
        )  # fmt: skip
    sample = Sample.objects.filter(region_code=DEMO_COUNTY).first()
    assert sample is not None
    sibling_sample = clone(
        Sample.objects.get(pk=sample.pk),
        region=Region.objects.get(code=DEMO_COUNTY + "001"),
        region_code=DEMO_COUNTY + "001",
    )
    household = Household.objects.filter(region_code__startswith=DEMO_COUNTY + "001").first()
    assert household is not None
    SampleItem.objects.create(sample=sibling_sample, household=household, position=1)
