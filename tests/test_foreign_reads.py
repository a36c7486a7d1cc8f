"""No cross-jurisdiction reads (SPEC §0, issue 12 point 2): a township user probes every detail
endpoint — pages, API, PDF and exports, reads and writes — of registry, workflows and
supervision with an object of a sibling township and one of the county above it, and gets 404.

The data is the demo county (射洪市) with the few objects it lacks at those levels made here.
The township's legitimate part of a county notice is in workflows/notices/tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from fupin.demo.services import DEMO_COUNTY, load_demo
from fupin.registry.models import Household, HouseholdSnapshot, ImportJob, Member
from fupin.supervision.models import (
    Accountability,
    Alert,
    InspectionGroup,
    InspectionPlan,
    InspectionVisit,
    QuarterTarget,
    RectificationFile,
    SupervisionNotice,
)
from fupin.testing import (
    Probe,
    assert_no_foreign_reads,
    client_for,
    foreign_read_answers,
    make_user,
    shared_data,
)
from fupin.workflows.models import Case, CaseDocument, Notice, Objection, Sample
from fupin.workflows.samples.models import SampleItem
from tests.foreign_reads_data import TOWNSHIP, add_missing_levels

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def P(url: str, method: str = "get", data: Any = None) -> Probe:
    return Probe(url, method, data if data is not None else {})


@dataclass(frozen=True)
class Kind:
    """A kind of object, the field holding its region, and its detail endpoints."""

    label: str
    model: Any  # a model class with region-coded rows
    region: str
    probes: list[Probe]
    has_ancestor: bool = True  # whether objects of this kind exist above a township
    extra: dict[str, Any] = field(default_factory=dict)


CHANGE = {"kind": "death", "occurred_on": "2025-01-01", "reason": "病故"}
FINDING = {"description": "帮扶责任人未入户", "deadline": "2030-01-01"}
INTERVIEW = {"held_on": "2025-01-01", "interviewer": "甲", "interviewee": "乙", "notes": "约谈"}
HH = "/registry/households/{o.pk}"
API_HH = "/api/v1/registry/households/{o.pk}"
CASE = "/cases/{o.pk}"
API_CASE = "/api/v1/cases/{o.pk}"
ALERT = "/supervision/alerts/{o.pk}"
API_ALERT = "/api/v1/supervision/alerts/{o.pk}"
API_INS = "/api/v1/supervision/inspections"

KINDS = [
    Kind(
        "贫困户",
        Household,
        "region_code",
        [
            P(f"{HH}/"),
            P(f"{HH}/edit/"),
            P(f"{HH}/edit/", "post"),
            P(f"{HH}/members/new/"),
            P(f"{HH}/members/new/", "post"),
            P(f"{HH}/changes/new/"),
            P(f"{HH}/changes/new/", "post"),
            P(f"{HH}/incomes/{YEAR}/"),
            P(f"{HH}/incomes/{YEAR}/", "post"),
            P(API_HH),
            P(API_HH, "put", {"version": 1}),
            P(f"{API_HH}/members"),
            P(f"{API_HH}/members", "post"),
            P(f"{API_HH}/changes"),
            P(f"{API_HH}/changes", "post", CHANGE),
            P(f"{API_HH}/incomes/{YEAR}", "put", {"version": 0}),
        ],
        has_ancestor=False,
    ),
    Kind(
        "家庭成员",
        Member,
        "household__region_code",
        [
            P("/registry/members/{o.pk}/edit/"),
            P("/registry/members/{o.pk}/edit/", "post"),
            P("/registry/members/{o.pk}/id-number/"),
            P("/registry/members/{o.pk}/id-number/", "post"),
            P("/api/v1/registry/members/{o.pk}", "put", {"version": 1}),
        ],
        has_ancestor=False,
    ),
    Kind(
        "年度快照",
        HouseholdSnapshot,
        "region_code",
        [
            P("/registry/snapshots/{o.year}/households/{o.household_id}/"),
        ],
        has_ancestor=False,
    ),
    Kind(
        "导入任务",
        ImportJob,
        "region_code",
        [
            P("/registry/io/imports/{o.pk}/"),
            P("/registry/io/imports/{o.pk}/errors/"),
            P("/api/v1/registry/imports/{o.pk}"),
            P("/api/v1/registry/imports/{o.pk}/errors"),
        ],
    ),
    Kind(
        "办件",
        Case,
        "region_code",
        [
            P(f"{CASE}/"),
            P(f"{CASE}/step/verify/", "post"),
            P(f"{CASE}/documents/", "post"),
            P(f"{CASE}/override/", "post"),
            P(f"{CASE}/link/", "post"),
            P(API_CASE),
            P(f"{API_CASE}/timeline"),
            P(f"{API_CASE}/documents"),
            P(f"{API_CASE}/transitions", "post", {"step": "verify", "version": 1}),
            P(f"{API_CASE}/override", "post", {"reason": "核实无误", "version": 1}),
            P(f"{API_CASE}/link", "post", {"household_no": "5109810010010001", "version": 1}),
        ],
        extra={
            "kind__in": [
                "identification",
                "household_exit",
                "monitoring",
                "village_exit",
                "county_exit",
            ]
        },
    ),
    Kind(
        "办件材料",
        CaseDocument,
        "case__region_code",
        [
            P("/cases/{o.case_id}/documents/{o.pk}/"),
            P("/api/v1/cases/{o.case_id}/documents/{o.pk}"),
        ],
    ),
    Kind(
        "公示异议",
        Objection,
        "case__region_code",
        [
            P("/cases/{o.case_id}/objections/{o.pk}/resolve/", "post"),
            P(
                "/api/v1/cases/objections/{o.pk}/resolve",
                "post",
                {"upheld": False, "resolution": "经核实不属实"},
            ),
        ],
        has_ancestor=False,
    ),
    Kind(
        "公示公告",
        Notice,
        "region_code",
        [
            P("/cases/notices/{o.pk}/"),
            P("/cases/notices/{o.pk}/pdf/"),
            P("/cases/notices/{o.pk}/objections/", "post"),
            P("/api/v1/cases/notices/{o.pk}"),
            P("/api/v1/cases/notices/{o.pk}/objections", "post", {"content": "想了解这户的情况"}),
        ],
    ),
    Kind(
        "抽样核查",
        Sample,
        "region_code",
        [
            P("/cases/samples/{o.pk}/"),
            P("/cases/samples/{o.pk}/export/"),
            P("/api/v1/cases/samples/{o.pk}"),
        ],
    ),
    Kind(
        "抽样对象",
        SampleItem,
        "sample__region_code",
        [
            P("/cases/samples/items/{o.pk}/", "post"),
            P("/api/v1/cases/samples/items/{o.pk}", "post", {"finding": "correct", "version": 1}),
        ],
    ),
    Kind(
        "预警",
        Alert,
        "region_code",
        [
            P(f"{ALERT}/"),
            P(f"{ALERT}/step/verify/", "post"),
            P(f"{ALERT}/rectify/", "post"),
            P(API_ALERT),
            P(f"{API_ALERT}/timeline"),
            P(f"{API_ALERT}/transitions", "post", {"step": "verify", "version": 1}),
            Probe(f"{API_ALERT}/rectification", "post", {"content": "已整改完毕"}, form=True),
        ],
    ),
    Kind(
        "督办通知书",
        SupervisionNotice,
        "alert__region_code",
        [
            P("/supervision/notices/{o.pk}/pdf/"),
            P("/supervision/notices/{o.pk}/docx/"),
            P("/api/v1/supervision/notices/{o.pk}"),
        ],
    ),
    Kind(
        "整改材料",
        RectificationFile,
        "rectification__alert__region_code",
        [
            P("/supervision/files/{o.pk}/"),
            P("/api/v1/supervision/alerts/{o.rectification.alert_id}/files/{o.pk}"),
        ],
        has_ancestor=False,
    ),
    Kind("督查组", InspectionGroup, "region_code", [P(f"{API_INS}/groups/{{o.pk}}")]),
    Kind(
        "督查计划",
        InspectionPlan,
        "region_code",
        [
            P("/supervision/inspections/plans/{o.pk}/"),
            P("/supervision/inspections/plans/{o.pk}/visits/new/"),
            P("/supervision/inspections/plans/{o.pk}/visits/new/", "post"),
            P(f"{API_INS}/plans/{{o.pk}}"),
            P(f"{API_INS}/plans/{{o.pk}}/visits", "post"),
        ],
    ),
    Kind(
        "督查走访",
        InspectionVisit,
        "region_code",
        [
            P("/supervision/inspections/visits/{o.pk}/findings/new/"),
            P("/supervision/inspections/visits/{o.pk}/findings/new/", "post"),
            P(f"{API_INS}/visits/{{o.pk}}/findings", "post", FINDING),
        ],
        has_ancestor=False,
    ),
    Kind(
        "问责记录",
        Accountability,
        "region_code",
        [
            P("/api/v1/supervision/accountability/{o.pk}"),
        ],
    ),
    Kind(
        "红黄绿灯指标",
        QuarterTarget,
        "region_code",
        [
            P("/supervision/lights/targets/{o.pk}/interview/"),
            P("/supervision/lights/targets/{o.pk}/interview/", "post"),
            P("/api/v1/supervision/lights/targets/{o.pk}"),
            P("/api/v1/supervision/lights/targets/{o.pk}/interviews", "post", INTERVIEW),
        ],
        has_ancestor=False,
    ),
]


def sibling_of(kind: Kind) -> Any:
    """An object of the kind under another township of the county."""
    return (
        kind.model.objects.filter(
            **{f"{kind.region}__regex": rf"^{DEMO_COUNTY}[0-9]{{3}}"}, **kind.extra
        )
        .exclude(**{f"{kind.region}__startswith": TOWNSHIP})
        .order_by("pk")
        .first()
    )


def ancestor_of(kind: Kind) -> Any:
    """An object of the kind at the county itself, none of whose content is the township's."""
    qs = kind.model.objects.filter(**{kind.region: DEMO_COUNTY}, **kind.extra)
    if kind.model is Notice:
        qs = qs.exclude(entries__case__region_code__startswith=TOWNSHIP)
    return qs.order_by("pk").first()


@pytest.fixture(scope="module")
def foreign(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    media = tmp_path_factory.mktemp("foreign-reads") / "media"
    with override_settings(MEDIA_ROOT=media), shared_data(django_db_blocker):
        load_demo(province=None, households=60)
        add_missing_levels()
        yield


@pytest.fixture
def township_client(foreign: None) -> Any:
    return client_for(make_user("probe_township", ("township", TOWNSHIP)))


@pytest.mark.parametrize("kind", KINDS, ids=[k.model.__name__ for k in KINDS])
def test_no_sibling_or_ancestor_object_is_readable(kind: Kind, township_client: Any) -> None:
    sibling = sibling_of(kind)
    ancestor = ancestor_of(kind) if kind.has_ancestor else None
    assert sibling is not None, f"no {kind.label} of a sibling township to probe"
    assert ancestor is not None or not kind.has_ancestor, f"no county-level {kind.label}"
    assert_no_foreign_reads(township_client, kind.probes, sibling=sibling, ancestor=ancestor)


def test_probes_can_fail(township_client: Any) -> None:
    """The same probes answer a township's own household (so a 404 above is the scope)."""
    own = Household.objects.filter(region_code__startswith=TOWNSHIP).first()
    assert own is not None
    assert foreign_read_answers(township_client, [P(f"{HH}/"), P(API_HH)], own) == [
        f"GET /registry/households/{own.pk}/ (Household {own.pk}): 200",
        f"GET /api/v1/registry/households/{own.pk} (Household {own.pk}): 200",
    ]


REGION_LISTS = [
    "/cases/notices/?region={o.code}",
    "/api/v1/cases/notices?region={o.code}",
    "/supervision/accountability/?region={o.code}",
    "/api/v1/supervision/accountability?region={o.code}",
    "/api/v1/supervision/accountability/stats?region={o.code}",
    "/supervision/discipline/?region={o.code}",
    *[f"/supervision/discipline/{kind}/?region={{o.code}}" for kind in ("alerts", "clues")],
]


def test_lists_of_a_sibling_or_ancestor_region_are_refused(township_client: Any) -> None:
    """The lists taking a region filter refuse a sibling township and the county above."""
    from fupin.regions.models import Region

    sibling = Region.objects.get(code=DEMO_COUNTY + "001")
    county = Region.objects.get(code=DEMO_COUNTY)
    answers = [
        f"{url.format(o=region)}: {status}"
        for url in REGION_LISTS
        for region in (sibling, county)
        if (status := township_client.get(url.format(o=region)).status_code) not in (403, 404)
    ]
    assert not answers, "\n".join(answers)
