"""Member changes (SPEC §3 dynamic adjustment): births, deaths, marriages, moves, corrections."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.core import crypto
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.registry import services
from fupin.registry.models import Household, Member, MemberChange
from fupin.testing import make_user

from .factories import family, household_data, id_number, member

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 5, 1)


@pytest.fixture
def office(county):
    return load_actor(make_user("office", ("poverty_office", county.code)))


@pytest.fixture
def household(office, village):
    return services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810001"),
        members=family(village.code[:6]),
    ).household


def change(office, household, kind, **kwargs):
    kwargs.setdefault("reason", "村委会核实")
    kwargs.setdefault("occurred_on", DAY)
    return services.member_change(actor=office, household_id=household.pk, kind=kind, **kwargs)


def test_death_keeps_the_member_on_record_and_lowers_the_size(office, household):
    spouse = household.members.get(relation="spouse")
    record, _ = change(office, household, "death", member_id=spouse.pk)
    spouse.refresh_from_db()
    household.refresh_from_db()
    assert spouse.left_on == DAY and spouse.left_reason == "death"
    assert household.declared_size == 2
    assert household.members.count() == 3
    assert record.member_id == spouse.pk and record.details["name"] == "李秀兰"


def test_birth_adds_a_member_joined_on_the_date(office, household):
    baby = member("510981", "张小花", "daughter", dt.date(2024, 4, 2), male=False)
    record, _ = change(office, household, "birth", new_member=baby, occurred_on=dt.date(2024, 4, 2))
    household.refresh_from_db()
    added = household.members.get(name="张小花")
    assert added.joined_on == dt.date(2024, 4, 2) and added.sex == "女"
    assert household.declared_size == 4
    assert record.details["id"] == added.id_masked  # never the clear number


def test_joining_member_with_a_registered_id_is_refused(office, household):
    head = household.members.get(relation="head")
    twin = member("510981", "张冒名", "son", dt.date(1970, 3, 1))
    twin["id_number"] = crypto.decrypt(head.id_cipher)
    with pytest.raises(ValidationFailed, match="已登记为 张大山 户"):
        change(office, household, "move_in", new_member=twin)
    assert household.members.count() == 3


def test_head_cannot_leave_without_a_new_head(office, household):
    head = household.members.get(relation="head")
    with pytest.raises(ValidationFailed, match="新户主"):
        change(office, household, "death", member_id=head.pk)
    head.refresh_from_db()
    assert head.left_on is None


def test_head_leaving_hands_over_to_the_named_member(office, household):
    head = household.members.get(relation="head")
    spouse = household.members.get(relation="spouse")
    record, _ = change(office, household, "death", member_id=head.pk, new_head_id=spouse.pk)
    spouse.refresh_from_db()
    household.refresh_from_db()
    assert spouse.relation == "head"
    assert household.head_name == "李秀兰" and household.declared_size == 2
    assert record.details["new_head"]["old_relation"] == "spouse"


def test_reason_is_required(office, household):
    spouse = household.members.get(relation="spouse")
    with pytest.raises(ValidationFailed, match="请填写变更原因"):
        change(office, household, "move_out", member_id=spouse.pk, reason="  ")


def test_evidence_of_another_type_is_refused_in_chinese(office, household):
    spouse = household.members.get(relation="spouse")
    bad = SimpleUploadedFile("证明.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationFailed, match="只能是 PDF、JPG 或 PNG"):
        change(office, household, "marry_out", member_id=spouse.pk, evidence=bad)
    fake = SimpleUploadedFile("证明.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed, match="内容与文件类型不符"):
        change(office, household, "marry_out", member_id=spouse.pk, evidence=fake)
    assert not MemberChange.objects.exists()


def test_evidence_is_stored_and_the_reason_reaches_the_audit_trail(
    office, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    spouse = household.members.get(relation="spouse")
    pdf = SimpleUploadedFile("death.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    record, _ = change(office, household, "death", member_id=spouse.pk, evidence=pdf, reason="病故")
    assert record.evidence.name.startswith("registry/changes/510981/")
    assert record.evidence.read().startswith(b"%PDF")
    event = AuditEvent.objects.filter(
        table_name="registry_member", object_pk=str(spouse.pk), action="U"
    ).latest("id")
    assert "病故" in event.reason


def test_correction_stores_old_and_new_values(office, household):
    son = household.members.get(relation="son")
    new_id = id_number("510981", dt.date(2012, 9, 1))
    record, _ = change(
        office,
        household,
        "correction",
        member_id=son.pk,
        new_member={"name": "张晓明", "id_number": new_id},
    )
    son.refresh_from_db()
    assert son.name == "张晓明"
    assert record.details["name"] == ["张小明", "张晓明"]
    assert record.details["id_number"][1] == son.id_masked and "*" in son.id_masked
    assert Household.objects.get(pk=household.pk).declared_size == 3


def test_read_only_role_cannot_record_changes(county, household):
    discipline = load_actor(make_user("discipline", ("discipline", county.code)))
    spouse = household.members.get(relation="spouse")
    with pytest.raises(PermissionDenied):
        change(discipline, household, "death", member_id=spouse.pk)
    assert Member.objects.get(pk=spouse.pk).left_on is None
