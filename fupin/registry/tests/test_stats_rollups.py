"""The registry's figures (core.stats): the rollups follow every path that changes
households and members — services, imports, status transitions, bulk SQL, deletes — and
`stats_verify` finds no difference afterwards (and finds one when a rollup is wrong)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fupin.accounts.selectors import load_actor
from fupin.core import stats
from fupin.registry import services
from fupin.registry.io.services import import_file
from fupin.registry.models import Household
from fupin.registry.snapshots.services import snapshot_year
from fupin.registry.status import household_set_status
from fupin.testing import make_user

from .factories import family, household_data
from .test_import import families, write_csv

pytestmark = [pytest.mark.django_db]

FIGURE = "registry.households"


@pytest.fixture
def office(county: Any) -> Any:
    return load_actor(make_user("stats_office", ("poverty_office", county.code)))


def create(actor: Any, village: Any, no: str, **data: Any) -> Household:
    return services.household_create(
        actor=actor, village_code=village.code, data=household_data(no, **data),
        members=family(village.code[:6]),
    ).household  # fmt: skip


def by_status(region: str) -> dict[str, tuple[int, int]]:
    reading = stats.read(FIGURE, regions=[region], by=("status",))
    households, persons = reading.by("status", "households"), reading.by("status", "persons")
    return {k: (v, persons[k]) for k, v in households.items() if v or persons[k]}


def assert_verified() -> None:
    assert stats.verify() == []


def test_service_writes_roll_up_to_every_level(office: Any, village: Any) -> None:
    create(office, village, "5109810001")
    create(office, village, "5109810002", status="exited", exit_year=2019)
    for code in (village.code, village.code[:9], village.code[:6], village.code[:4], "51", ""):
        assert by_status(code) == {"poor": (1, 3), "exited": (1, 3)}, code
    assert by_status("510903") == {}  # the sibling county
    assert_verified()


def test_edits_transitions_and_deletes_stay_exact(office: Any, village: Any) -> None:
    a = create(office, village, "5109810001")
    b = create(office, village, "5109810002")
    household_set_status(actor=office, household_id=a.pk, status="exited", exit_year=2020)
    member = b.members.exclude(relation="head").first()
    assert member is not None
    services.member_change(
        actor=office, household_id=b.pk, kind="death", occurred_on=dt.date(2021, 1, 5),
        reason="病故", member_id=member.pk,
    )  # fmt: skip
    assert by_status(village.code[:6]) == {"exited": (1, 3), "poor": (1, 2)}
    # A bulk statement outside any service (a batch transition, a SQL fix) is caught too.
    Household.objects.filter(pk__in=[a.pk, b.pk]).update(status="returned", attribute="low")
    assert by_status(village.code[:6]) == {"returned": (2, 5)}
    assert stats.read(FIGURE, regions=["51"], by=("attribute",)).by("attribute", "households") == {
        "low": 2
    }
    Household.objects.filter(pk=a.pk).delete()
    assert by_status(village.code[:6]) == {"returned": (1, 2)}
    assert_verified()


def test_moving_a_household_moves_its_counts(office: Any, village: Any, township: Any) -> None:
    other = township.children.exclude(code=village.code).order_by("code").first()
    h = create(office, village, "5109810001")
    Household.objects.filter(pk=h.pk).update(region_code=other.code, village_id=other.code)
    assert by_status(village.code) == {} and by_status(other.code) == {"poor": (1, 3)}
    assert by_status(township.code) == {"poor": (1, 3)}
    assert_verified()


def test_import_and_sweep_keep_the_rollup_exact(
    office: Any, county: Any, village: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_csv(tmp_path / "ok.csv", families(village.code, 5))
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", job.message
    assert stats.read(FIGURE, regions=[county.code]).total("households") == 5
    assert stats.read(FIGURE, regions=[county.code]).total("persons") == 15
    from fupin.registry.validation.sweep import sweep

    sweep(region_code=county.code)
    assert_verified()


def test_compaction_folds_deltas_and_keeps_values(office: Any, village: Any) -> None:
    h = create(office, village, "5109810001")
    for status in ("exited", "returned", "poor", "exited"):
        household_set_status(actor=office, household_id=h.pk, status=status, exit_year=2020)
    before = by_status("51")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_rollup WHERE figure = %s", [FIGURE])
        rows_before = cursor.fetchone()[0]
        stats.compact([FIGURE])
        cursor.execute("SELECT count(*) FROM core_rollup WHERE figure = %s", [FIGURE])
        rows_after = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM core_rollup WHERE figure = %s AND level = 1", [FIGURE])
        province_keys = cursor.fetchone()[0]
    assert rows_after < rows_before and province_keys == 1  # one key left: exited
    assert by_status("51") == before == {"exited": (1, 3)}
    assert_verified()


def test_stats_verify_reports_a_wrong_rollup_and_rebuilds(office: Any, village: Any) -> None:
    create(office, village, "5109810001")
    call_command("stats_verify")  # exits 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_rollup SET vals = ARRAY[vals[1] + 1, vals[2]] WHERE figure = %s"
            " AND level = 3",
            [FIGURE],
        )
    with pytest.raises(CommandError, match="1 个指标与原始数据不一致"):
        call_command("stats_verify", "--rebuild")
    call_command("stats_verify")
    assert by_status(village.code[:6]) == {"poor": (1, 3)}


def test_frozen_year_is_rolled_up_in_the_freeze(office: Any, village: Any, county: Any) -> None:
    h = create(office, village, "5109810001")
    services.income_save(
        actor=office, household_id=h.pk, year=2019, version=0, amounts={"wage": 9000}
    )
    assert snapshot_year(year=2019, region_code=county.code, actor=office) == 1
    assert snapshot_year(year=2019, region_code=county.code, actor=office) == 0  # no double
    status = stats.read("registry.snapshot_status", regions=["51"], period=2019, by=("status",))
    assert status.by("status", "persons") == {"poor": 3}
    create(office, village, "5109810002")
    snapshot_year(year=2019, region_code=county.code, actor=office, replace=True, reason="补录")
    status = stats.read("registry.snapshot_status", regions=["51"], period=2019, by=("status",))
    assert status.by("status", "households") == {"poor": 2}
    assert stats.periods("registry.snapshot_status", regions=[village.code]) == [2019]
    assert_verified()


def test_the_daily_run_verifies_and_repairs_once_a_day(office: Any, village: Any) -> None:
    from fupin.supervision import scheduler

    create(office, village, "5109810001")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_rollup (figure, level, region_code, period, dims, vals)"
            ' VALUES (%s, 1, \'51\', 0, \'{"status": "poor", "attribute": "general",'
            ' "cause": "illness"}\', ARRAY[5, 0])',
            [FIGURE],
        )
    report = scheduler.run_due()
    assert report.stats_differences == 1
    assert "统计汇总核对：1 个指标与原始数据不一致" in report.lines()
    assert_verified()
    assert by_status("51") == {"poor": (1, 3)}
    assert scheduler.run_due().stats_differences is None  # ran today already


def test_every_scheduler_tick_folds_the_deltas(
    office: Any, village: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin.supervision import scheduler

    h = create(office, village, "5109810001")
    for status in ("returned", "poor", "returned"):
        household_set_status(actor=office, household_id=h.pk, status=status)

    def province_rows() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM core_rollup WHERE figure = %s AND level = 1", [FIGURE]
            )
            return int(cursor.fetchone()[0])

    assert province_rows() > 1

    class Stop(Exception):
        pass

    def stop(_seconds: float) -> None:
        raise Stop

    monkeypatch.setattr(scheduler, "is_due", lambda now: False)
    monkeypatch.setattr(scheduler.connection, "close", lambda: None)  # the test's transaction
    with pytest.raises(Stop):
        scheduler.loop(write=lambda line: None, sleep=stop)
    assert province_rows() == 1 and by_status("51") == {"returned": (1, 3)}
