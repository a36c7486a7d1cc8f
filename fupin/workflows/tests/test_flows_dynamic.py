"""Dynamic adjustment: 返贫 of an exited household, and natural member changes approved by the
township and applied to the registry (size and per-capita income follow)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.registry import identity
from fupin.registry.models import Household, Income, Member
from fupin.registry.tests.factories import id_number
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import make_household, upload
from fupin.workflows.models import Case

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def act(actor: Any, case: Case, step: str, day: dt.date = DAY, comment: str = "同意") -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment=comment, today=day
    )


# --- 返贫 ----------------------------------------------------------------------------------------


def test_return_to_poverty_end_to_end(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village, status="exited")
    case = services.return_report(actor=o.village, household_id=household.pk, reason="因病返贫")
    assert case.case_no.startswith("FP-") and case.state == "applied"
    with pytest.raises(ValidationFailed, match="请先上传“证明材料”"):
        act(o.village, case, "verify", comment="入户核实属实")
    engine.case_document_attach(
        actor=o.village, case=case, kind="evidence", upload=upload("dx.pdf")
    )
    with pytest.raises(ValidationFailed, match="请填写入户核实意见"):
        act(o.village, case, "verify", comment="")
    with pytest.raises(PermissionDenied, match="须由村级"):
        act(o.township, case, "verify", comment="核实")
    act(o.secretary, case, "verify", comment="入户核实属实")
    act(o.village, case, "publish_village")
    with pytest.raises(ValidationFailed, match="村内公示期未满"):
        act(o.township, case, "township_approve", dt.date(2026, 3, 8))
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.county, case, "township_approve", dt.date(2026, 3, 9))
    act(o.township, case, "township_approve", dt.date(2026, 3, 9))
    with pytest.raises(PermissionDenied, match="“县审批认定返贫”须由县级扶贫办"):
        act(o.township, case, "county_approve", dt.date(2026, 3, 9))
    case = act(o.county, case, "county_approve", dt.date(2026, 3, 10))
    assert case.state == "returned" and not case.is_open
    assert Household.objects.get(pk=household.pk).status == "returned"


def test_return_only_for_exited_households(officials: Any, village: Any) -> None:
    o = officials
    poor = make_household(o.village, village)
    with pytest.raises(ValidationFailed, match="只有已脱贫户可以申报返贫"):
        services.return_report(actor=o.village, household_id=poor.pk, reason="返贫")
    exited = make_household(o.village, village, status="exited")
    case = services.return_report(actor=o.village, household_id=exited.pk, reason="返贫")
    engine.case_document_attach(actor=o.village, case=case, kind="evidence", upload=upload())
    Household.objects.filter(pk=exited.pk).update(status="poor")  # changed meanwhile
    with pytest.raises(ValidationFailed, match="只有已脱贫户才能认定返贫"):
        act(o.village, case, "verify", comment="核实")


def test_return_rejected_by_the_county(officials: Any, village: Any) -> None:
    o = officials
    exited = make_household(o.village, village, status="exited")
    case = services.return_report(actor=o.village, household_id=exited.pk, reason="返贫")
    with pytest.raises(PermissionDenied, match="须由乡镇或县级"):
        act(o.village, case, "reject", comment="不予认定")
    case = act(o.county, case, "reject", comment="收入仍高于监测标准")
    assert case.state == "rejected"
    assert Household.objects.get(pk=exited.pk).status == "exited"


# --- member changes --------------------------------------------------------------------------------


def incomes(household: Any) -> dict[int, tuple[int, Decimal]]:
    return {
        i.year: (i.size, i.per_capita)
        for i in Income.objects.filter(household=household).order_by("year")
    }


def test_death_reduces_the_size_and_raises_per_capita(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village, income=Decimal("12000"), year=2025)
    for year in (2024, 2026):
        Income.objects.create(household=household, county_code=household.county_code,
                              year=year, size=3, wage=Decimal("12000"))  # fmt: skip
    spouse = Member.objects.get(household=household, relation="spouse")
    payload = {
        "change_kind": "death", "occurred_on": "2025-06-01", "member_id": spouse.pk,
        "reason": "因病去世",
    }  # fmt: skip
    case = services.member_change_request(actor=o.village, household_id=household.pk,
                                          payload=payload)  # fmt: skip
    assert case.case_no.startswith("BG-") and case.data["member_id"] == spouse.pk
    with pytest.raises(ValidationFailed, match="请先上传“证明材料”"):
        act(o.township, case, "township_approve")
    engine.case_document_attach(
        actor=o.village, case=case, kind="evidence", upload=upload("sw.pdf")
    )
    with pytest.raises(PermissionDenied, match="“乡镇审核通过”须由乡镇"):
        act(o.village, case, "township_approve")
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.county, case, "township_approve")
    assert Member.objects.get(pk=spouse.pk).left_on is None  # nothing applied before approval
    case = act(o.township, case, "township_approve", comment="死亡证明属实")
    assert case.state == "approved" and "member_change_id" in case.data
    spouse.refresh_from_db()
    assert spouse.left_on == dt.date(2025, 6, 1)
    household.refresh_from_db()
    assert household.declared_size == 2
    rows = incomes(household)
    assert rows[2024] == (3, Decimal("4000.00"))
    assert rows[2025] == (2, Decimal("6000.00"))
    assert rows[2026] == (2, Decimal("6000.00"))


def test_birth_adds_a_member(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village, income=Decimal("12000"), year=2026)
    born = dt.date(2026, 2, 1)
    newborn = {
        "name": "张小宝",
        "relation": "grandson",
        "id_number": id_number(village.code[:6], born),
    }
    case = services.member_change_request(
        actor=o.secretary,
        household_id=household.pk,
        payload={
            "change_kind": "birth",
            "occurred_on": dt.date(2026, 2, 1),
            "new_member": newborn,
            "reason": "新生儿落户",
        },
        evidence=upload("birth.pdf"),
    )
    assert case.documents.get().kind == "evidence"
    # While the case waits, its data holds no full ID number (SPEC §10): the ciphertext and
    # the staff mask only, in the row as the database keeps it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM workflows_case WHERE id = %s", [case.pk])
        (raw,) = cursor.fetchone()
    assert newborn["id_number"] not in raw and village.code[:6] + "*" * 12 in raw
    act(o.township, case, "township_approve")
    household.refresh_from_db()
    assert household.declared_size == 4
    member = Member.objects.get(household=household, name="张小宝", left_on__isnull=True)
    assert identity.reveal(member.id_cipher) == newborn["id_number"]
    assert incomes(household)[2026] == (4, Decimal("3000.00"))


def test_member_change_input_and_rejection(officials: Any, village: Any) -> None:
    o = officials
    household = make_household(o.village, village)
    other = make_household(o.village, village)
    stranger = Member.objects.filter(household=other).first()
    assert stranger is not None
    with pytest.raises(ValidationFailed, match="请选择本户的在册成员"):
        services.member_change_request(
            actor=o.village, household_id=household.pk,
            payload={"change_kind": "move_out", "occurred_on": "2026-01-01",
                     "member_id": stranger.pk, "reason": "迁出"},
        )  # fmt: skip
    with pytest.raises(ValidationFailed, match="请选择变更类型"):
        services.member_change_request(
            actor=o.village,
            household_id=household.pk,
            payload={"change_kind": "correction", "occurred_on": "2026-01-01", "reason": "更正"},
        )
    with pytest.raises(ValidationFailed, match="发生日期不能晚于今天"):
        services.member_change_request(
            actor=o.village, household_id=household.pk,
            payload={"change_kind": "birth", "occurred_on": "2099-01-01", "reason": "出生",
                     "new_member": {"name": "甲", "id_number": "1"}},
        )  # fmt: skip
    son = Member.objects.get(household=household, relation="son")
    case = services.member_change_request(
        actor=o.village, household_id=household.pk,
        payload={"change_kind": "move_out", "occurred_on": "2026-01-01", "member_id": son.pk,
                 "reason": "随父母迁出"},
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="请填写乡镇退回意见"):
        act(o.township, case, "township_reject", comment="")
    case = act(o.township, case, "township_reject", comment="迁出证明不全")
    assert case.state == "rejected"
    assert Member.objects.get(pk=son.pk).left_on is None


def test_the_migration_seals_new_member_ids_kept_in_clear(officials: Any, village: Any) -> None:
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("fupin.workflows.migrations.0004_new_member_id_sealed")
    household = make_household(officials.village, village, income=Decimal("12000"), year=2026)
    number = id_number(village.code[:6], dt.date(2026, 2, 1))
    case = services.member_change_request(
        actor=officials.secretary,
        household_id=household.pk,
        payload={
            "change_kind": "birth",
            "occurred_on": dt.date(2026, 2, 1),
            "new_member": {"name": "张小宝", "relation": "grandson", "id_number": number},
            "reason": "新生儿落户",
        },
        evidence=upload("birth.pdf"),
    )
    # As a case made before sealing kept it: the number itself.
    old = {
        **case.data,
        "new_member": {"name": "张小宝", "relation": "grandson", "id_number": number},
    }
    Case.objects.filter(pk=case.pk).update(data=old)
    migration.seal_new_members(django_apps, None)
    case.refresh_from_db()
    assert "id_number" not in case.data["new_member"]
    assert identity.unseal(case.data["new_member"])["id_number"] == number
    act(officials.township, case, "township_approve")
    member = Member.objects.get(household=household, name="张小宝")
    assert identity.reveal(member.id_cipher) == number
