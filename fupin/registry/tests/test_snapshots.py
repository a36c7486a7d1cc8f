"""Yearly snapshots (年度数据): a frozen year reproduces the registry as it stood at the end of
that year, whatever happens to the live data afterwards."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditBatch
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.registry import identity, services
from fupin.registry.models import Household, HouseholdSnapshot, Member
from fupin.registry.snapshots import selectors
from fupin.registry.snapshots.services import snapshot_year
from fupin.testing import assert_jurisdiction, client_for, make_user

from .factories import family, household_data, member

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def office(county: Any) -> Any:
    return load_actor(make_user("snap_office", ("poverty_office", county.code)))


def create(
    actor: Any, village: Any, no: str, members: list[dict[str, Any]] | None = None, **data: Any
) -> Household:
    return services.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data(no, **data),
        members=members or family(village.code[:6]),
    ).household


def stats(actor: Any, year: int, code: str = "510981") -> Any:
    return selectors.year_stats(actor, year=year, region_code=code, region_name="射洪市")


def by(items: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {i["code"]: (i["households"], i["persons"]) for i in items}


def test_frozen_year_survives_later_edits(office: Any, village: Any, county: Any) -> None:
    h = create(office, village, "5109810001")
    services.income_save(
        actor=office,
        household_id=h.pk,
        year=2019,
        version=0,
        amounts={"wage": 9000, "business": 2700},
    )
    assert snapshot_year(year=2019, region_code=county.code, actor=office) == 1
    before = stats(office, 2019)
    assert by(before.by_status) == {"poor": (1, 3)}
    assert [b["households"] for b in before.income_bands if b["code"] == "to_150"] == [1]
    # The live registry moves on: exit, new income, a new member.
    services.household_update(
        actor=office, pk=h.pk, version=1, data={"status": "exited", "exit_year": 2019}
    )
    services.income_save(
        actor=office,
        household_id=h.pk,
        year=2019,
        version=1,
        amounts={"wage": 30000, "business": 0},
    )
    stored = identity.store(
        member("510981", "张小红", "daughter", dt.date(2015, 1, 1), male=False)["id_number"]
    )
    Member.objects.create(
        household=h, county_code="510981", name="张小红", relation="daughter",
        id_cipher=stored.cipher, id_hash=stored.hash, id_masked=stored.masked,
        sex=stored.info.sex, birth_date=stored.info.birth_date,
    )  # fmt: skip
    h.refresh_from_db()
    assert h.status == "exited" and h.members.count() == 4
    # …and a second freeze changes nothing: a frozen year never changes.
    assert snapshot_year(year=2019, region_code=county.code, actor=office) == 0
    after = stats(office, 2019)
    assert by(after.by_status) == {"poor": (1, 3)} and after.exited_households == 0
    assert after.income_bands == before.income_bands
    page = client_for(office_user(office)).get(f"/registry/snapshots/2019/households/{h.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "统计口径：2019年度数据" in text
    assert "张小红" not in text and "3900.00" in text and "未脱贫" in text
    assert "510981" in text and crypto_free(text)


def office_user(actor: Any) -> Any:
    from fupin.accounts.models import User

    return User.objects.get(pk=actor.user_id)


def crypto_free(text: str) -> bool:
    """No full ID number on the page: only the masked form (510981********xxxx)."""
    import re

    return re.search(r"510981\d{8}\d{3}[\dX]", text) is None


def test_exit_in_a_later_year_is_poor_in_the_earlier_one(office: Any, village: Any) -> None:
    h = create(office, village, "5109810002", status="exited", exit_year=2020)
    snapshot_year(year=2019, region_code="510981", actor=office)
    snapshot_year(year=2020, region_code="510981", actor=office)
    s2019 = HouseholdSnapshot.objects.get(year=2019, household=h)
    s2020 = HouseholdSnapshot.objects.get(year=2020, household=h)
    assert (s2019.status, s2019.exit_year) == ("poor", None)
    assert (s2020.status, s2020.exit_year) == ("exited", 2020)
    assert stats(office, 2020).exited_households == 1
    assert stats(office, 2019).exited_households == 0


def test_membership_and_identification_as_at_the_year(office: Any, village: Any) -> None:
    members = family("510981")
    members.append(member("510981", "张老汉", "father", dt.date(1940, 2, 2)))
    h = create(office, village, "5109810003", members=members)
    grandpa = h.members.get(name="张老汉")
    grandpa.left_on, grandpa.left_reason = dt.date(2021, 5, 1), "death"
    grandpa.save()
    baby = h.members.get(name="张小明")
    baby.joined_on = dt.date(2020, 3, 1)
    baby.save()
    create(
        office,
        village,
        "5109810004",
        members=[member("510981", "王五", "head", dt.date(1960, 1, 1))],
        identified_year=2020,
    )
    snapshot_year(year=2019, region_code="510981")
    snapshot_year(year=2021, region_code="510981")
    s2019 = HouseholdSnapshot.objects.get(year=2019, household=h)
    names = [m["name"] for m in s2019.data["members"]]
    assert s2019.size == 3 and names == ["张大山", "李秀兰", "张老汉"]  # head first; baby not yet
    assert all("*" in m["id_masked"] for m in s2019.data["members"])
    s2021 = HouseholdSnapshot.objects.get(year=2021, household=h)
    assert s2021.size == 3 and "张老汉" not in [m["name"] for m in s2021.data["members"]]
    assert HouseholdSnapshot.objects.filter(year=2019).count() == 1  # identified 2020: absent
    assert HouseholdSnapshot.objects.filter(year=2021).count() == 2


def test_replace_needs_a_reason_and_is_audited(office: Any, village: Any) -> None:
    h = create(office, village, "5109810005")
    snapshot_year(year=2019, region_code="510981")
    services.household_update(actor=office, pk=h.pk, version=1, data={"attribute": "dibao"})
    with pytest.raises(ValidationFailed):
        snapshot_year(year=2019, region_code="510981", replace=True)
    out = StringIO()
    call_command(
        "snapshot_year",
        "2019",
        "--region",
        "510981",
        "--replace",
        "--reason",
        "更正属性",
        stdout=out,
    )
    assert "新冻结 1 户" in out.getvalue()
    assert HouseholdSnapshot.objects.get(year=2019).attribute == "dibao"
    batch = AuditBatch.objects.filter(kind="registry.snapshot_replace").get()
    assert batch.reason == "更正属性" and batch.row_count == 1


def test_read_only_and_township_cannot_freeze_the_county(county: Any, township: Any) -> None:
    reader = load_actor(make_user("snap_reader", ("discipline", county.code)))
    with pytest.raises(PermissionDenied):
        snapshot_year(year=2019, region_code=county.code, actor=reader)


@pytest.fixture
def frozen(office: Any, village: Any) -> Household:
    h = create(office, village, "5109810010")
    services.income_save(
        actor=office, household_id=h.pk, year=2019, version=0, amounts={"wage": 9000}
    )
    snapshot_year(year=2019, region_code="510981")
    return h


def test_pages_and_api_are_scoped(county_personas: Any, frozen: Household) -> None:
    assert_jurisdiction(county_personas, "get", "/registry/snapshots/?year=2019&region=510981")
    assert_jurisdiction(county_personas, "get", f"/registry/snapshots/2019/households/{frozen.pk}/")
    assert_jurisdiction(
        county_personas, "get", "/registry/snapshots/2019/export.xlsx?region=510981"
    )
    assert_jurisdiction(
        county_personas, "get", "/api/v1/registry/snapshots/2019/stats?region=510981"
    )
    assert_jurisdiction(
        county_personas, "get", "/api/v1/registry/snapshots/2019/households?region=510981"
    )
    assert_jurisdiction(
        county_personas, "post", "/registry/snapshots/freeze/?year=2020&region=510981", ok=(302,)
    )
    assert HouseholdSnapshot.objects.filter(year=2020).count() == 1
    # The sibling county's own default region shows nothing of 射洪市.
    response = client_for(county_personas.out_of_region).get("/registry/snapshots/?year=2019")
    assert response.status_code == 200 and "5109810010" not in response.content.decode()


def test_year_page_statistics_list_and_freeze_offer(
    county_personas: Any, frozen: Household
) -> None:
    client = client_for(county_personas.in_region)
    text = client.get("/registry/snapshots/?year=2019&region=510981").content.decode()
    assert "统计口径：2019年度数据（冻结于" in text and "5109810010" in text
    assert "因病" in text and "低于贫困标准" in text and "snapshot-chart" in text
    empty = client.get("/registry/snapshots/?year=2018&region=510981").content.decode()
    assert "尚无 2018 年度数据" in empty and "冻结 2018 年度数据" in empty
    reader = client_for(county_personas.read_only).get(
        "/registry/snapshots/?year=2018&region=510981"
    )
    assert "尚无 2018 年度数据" in reader.content.decode()
    assert "冻结 2018 年度数据" not in reader.content.decode()
    api = client.get("/api/v1/registry/snapshots/2019/stats?region=510981").json()
    assert api["frozen"] and api["households"] == 1 and api["persons"] == 3
    assert api["by_status"] == [{"code": "poor", "label": "未脱贫", "households": 1, "persons": 3}]


def test_keyset_pages_and_export(county_personas: Any, office: Any, village: Any) -> None:
    for n in range(55):
        members = [member("510981", f"户主{n}", "head", dt.date(1960, 1, 1) + dt.timedelta(days=n))]
        create(office, village, f"51098120{n:02d}", members=members)
    snapshot_year(year=2019, region_code="510981")
    client = client_for(county_personas.in_region)
    first = client.get("/api/v1/registry/snapshots/2019/households?region=510981").json()
    assert len(first["items"]) == 50 and first["next_cursor"] == "5109812049"
    second = client.get(
        f"/api/v1/registry/snapshots/2019/households?region=510981&cursor={first['next_cursor']}"
    ).json()
    assert [i["household_no"] for i in second["items"]] == [f"51098120{n}" for n in range(50, 55)]
    assert second["next_cursor"] == ""
    response = client.get("/registry/snapshots/2019/export.xlsx?region=510981")
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    households = book.get_sheet_by_name("户信息").to_python()
    member_rows = book.get_sheet_by_name("成员信息").to_python()
    assert households[0][0] == "户编号" and len(households) == 56
    assert len(member_rows) == 56 and all("*" in str(row[2]) for row in member_rows[1:])
