"""Issue 12: the stored staff masks are re-masked from their current value (no key needed),
and the roles that visit households hold the new HEALTH_VIEW by default."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection

from fupin.accounts.models import Role
from fupin.accounts.selectors import load_actor
from fupin.core.access import Perm
from fupin.registry import privacy, services
from fupin.registry.models import HouseholdSnapshot, Member, MemberChange
from fupin.registry.snapshots import selectors as snapshots
from fupin.registry.snapshots.services import snapshot_year
from fupin.testing import make_user

from .factories import family, household_data

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

REGISTRY = importlib.import_module("fupin.registry.migrations.0007_staff_id_mask_area_code_only")
WORKFLOWS = importlib.import_module(
    "fupin.workflows.migrations.0003_declarant_id_mask_area_code_only"
)
OLD = "510981********1234"
NEW = "510981" + "*" * 12


@pytest.fixture
def household(county_personas, village):
    return services.household_create(
        actor=load_actor(county_personas.in_region),
        village_code=village.code,
        data=household_data("5109810001"),
        members=family(village.code[:6]),
    ).household


def test_stored_masks_are_re_masked_everywhere(household, county):
    snapshot_year(
        year=2025,
        region_code=county.code,
        actor=load_actor(make_user("o", ("poverty_office", county.code))),
    )
    head = household.members.get(relation="head")
    Member.objects.filter(pk=head.pk).update(id_masked=OLD)
    snap = HouseholdSnapshot.objects.get(household=household, year=2025)
    snap.data["members"][0]["id_masked"] = OLD
    HouseholdSnapshot.objects.filter(pk=snap.pk).update(data=snap.data)
    change = MemberChange.objects.create(
        household=household, kind="correction", occurred_on="2025-01-01", reason="更正",
        details={"id": OLD, "name": "张大山"},
    )  # fmt: skip
    with connection.cursor() as cursor:
        for sql in REGISTRY.FORWARD:
            cursor.execute(sql)
    head.refresh_from_db()
    snap.refresh_from_db()
    change.refresh_from_db()
    assert head.id_masked == NEW
    assert snap.data["members"][0]["id_masked"] == NEW
    assert [m["name"] for m in snap.data["members"]][:1] == ["张大山"]  # order kept
    assert change.details == {"id": NEW, "name": "张大山"}


def test_declarant_masks_in_case_data_are_re_masked(village):
    import datetime as dt

    from fupin.core import idnumber
    from fupin.workflows.cases import services as cases
    from fupin.workflows.cases.models import Case

    case = cases.declaration_submit(
        village_code=village.code, name="赵六",
        id_number=idnumber.make(village.code[:6], dt.date(1980, 1, 1), 77), phone="13800001234",
        declaration=cases.Declaration(reason="失业返乡收入骤减", risk_types=["unemployment"]),
    )  # fmt: skip
    assert case.data["declarant"]["id_masked"] == village.code[:6] + "*" * 12
    data = {**case.data, "declarant": {**case.data["declarant"], "id_masked": OLD}}
    Case.objects.filter(pk=case.pk).update(data=data)
    with connection.cursor() as cursor:
        cursor.execute(WORKFLOWS.FORWARD)
    case.refresh_from_db()
    assert case.data["declarant"]["id_masked"] == NEW


def test_health_view_is_held_by_the_roles_that_visit_households(db):
    roles = dict(Role.objects.values_list("code", "permissions"))
    for code in (
        "poverty_office",
        "discipline",
        "township",
        "village",
        "first_secretary",
        "helper",
    ):
        assert Perm.HEALTH_VIEW in roles[code], code
    for code in ("industry", "audit_finance", "viewer"):
        assert Perm.HEALTH_VIEW not in roles[code], code


def test_snapshot_page_shows_age_and_hides_health_without_the_rights(household, county):
    household.members.filter(relation="son").update(health="disabled", disability_grade=1)
    snapshot_year(
        year=2025,
        region_code=county.code,
        actor=load_actor(make_user("o", ("poverty_office", county.code))),
    )
    snap = HouseholdSnapshot.objects.get(household=household, year=2025)
    viewer = snapshots.snapshot_display(snap, privacy.Sight(personal=False, health=False))
    son = next(m for m in viewer["members"] if m["relation"] == "son")
    assert son["birth_date"] is None and isinstance(son["age"], int)
    assert son["health"] is None and son["health_label"] == privacy.HIDDEN
    assert son["disability_grade"] is None
    office = snapshots.snapshot_display(snap, privacy.Sight(personal=True, health=True))
    son = next(m for m in office["members"] if m["relation"] == "son")
    assert son["birth_date"] and son["health_label"] == "残疾"


def test_snapshot_export_of_a_viewer_has_age_and_no_health(household, county, tmp_path):
    from django.urls import reverse
    from python_calamine import CalamineWorkbook

    from fupin.testing import client_for

    office = load_actor(make_user("o", ("poverty_office", county.code)))
    snapshot_year(year=2025, region_code=county.code, actor=office)
    viewer = client_for(make_user("viewer", ("viewer", county.code)))
    response: Any = viewer.get(reverse("registry:snapshot_export", args=[2025]))
    path = tmp_path / "snap.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("成员信息").to_python()
    assert "年龄（周岁）" in rows[0] and "出生日期" not in rows[0] and "健康状况" not in rows[0]
    head = household.members.get(relation="head")
    assert rows[1][2] == head.id_masked and len(rows[1]) == len(rows[0])
    assert f"{head.birth_date:%Y-%m-%d}" not in str(rows)
