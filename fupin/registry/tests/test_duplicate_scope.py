"""An ID number registered in another jurisdiction: the refusal says only that it is
registered elsewhere, on the form and in the import report (issue 12, point 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.registry.io.services import import_file
from fupin.registry.services.common import OTHER_JURISDICTION_DUPLICATE
from fupin.registry.tests.test_import import families, media, report_rows, write_csv
from fupin.testing import make_user

pytestmark = pytest.mark.django_db
__all__ = ["media"]  # the autouse fixture, imported for these tests


def test_import_report_does_not_name_the_other_jurisdictions_household(
    county: Any, village: Any, sibling_township: Any, tmp_path: Path
) -> None:
    office = load_actor(make_user("dup_office", ("poverty_office", county.code)))
    data = families(village.code, 1)
    import_file(
        actor=office, path=str(write_csv(tmp_path / "a.csv", data)), mode="insert",
        region_code=county.code,
    )  # fmt: skip
    other_village = sibling_township.children.order_by("code").first()
    township = load_actor(make_user("dup_township", ("township", sibling_township.code)))
    clash = families(other_village.code, 1, start=50)
    clash[0][1][1]["身份证号"] = data[0][1][1]["身份证号"]
    job = import_file(
        actor=township, path=str(write_csv(tmp_path / "b.csv", clash)), mode="insert",
        region_code=sibling_township.code,
    )  # fmt: skip
    row = next(r for r in report_rows(job)[1:] if r[4] == "R03")
    assert row[5] == OTHER_JURISDICTION_DUPLICATE
    assert "张" not in row[5] and village.code not in row[5]
