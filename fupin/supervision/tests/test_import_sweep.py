"""A registry import tells supervision once it has committed (the registry's
`households_imported` signal): the county's household rules are swept set-based, so a
household the import brought in breaking a rule has its alert when the job finishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditBatch
from fupin.registry.io.services import import_file
from fupin.registry.models import Household
from fupin.registry.tests.test_import import families, write_csv
from fupin.supervision import scheduler
from fupin.supervision.models import Alert
from fupin.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_import_bringing_a_dangerous_house_raises_r104_after_commit(
    county: Any, village: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    office = load_actor(make_user("office", ("poverty_office", county.code)))
    data = families(village.code, 3)
    data[1][0].update({"住房安全等级": "D", "危房已改造": "否"})
    path = write_csv(tmp_path / "families.csv", data)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
        assert job.status == "succeeded", job.message
        # Nothing yet: supervision hears of the import only once it has committed.
        assert not Alert.objects.filter(rule_code="R104").exists()
    assert len(callbacks) == 1
    callbacks[0]()

    dangerous = Household.objects.get(household_no=data[1][0]["户编号"])
    alert = Alert.objects.get(rule_code="R104", is_open=True)
    assert alert.subject_id == dangerous.pk and alert.region_code == village.code
    # One sweep of the county's household rules, named so the nightly sweep still runs.
    batch = AuditBatch.objects.get(kind="supervision.sweep")
    assert batch.description == f"导入后预警规则巡检 {county.code}（导入任务 {job.pk}）"
    assert batch.finished_at is not None
    assert not Alert.objects.filter(rule_code__startswith="R2").exists()  # case rules untouched
    assert not scheduler.ran_on(
        scheduler.SWEEP_KIND, scheduler.SWEEP_DESCRIPTION.format(county.code),
        timezone.localdate(),
    )  # fmt: skip


def test_an_unchanged_import_tells_nobody(
    county: Any, village: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    office = load_actor(make_user("office", ("poverty_office", county.code)))
    path = write_csv(tmp_path / "families.csv", families(village.code, 2))
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(actor=office, path=str(path), mode="upsert",
                           region_code=county.code).status == "succeeded"  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_file(actor=office, path=str(path), mode="upsert", region_code=county.code)
    assert job.status == "unchanged" and callbacks == []
