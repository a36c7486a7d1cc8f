"""The demo loaded on an empty database (the other demo modules share one load per module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from fupin.demo.registry import load_registry
from fupin.demo.services import DEMO_COUNTY, load_demo
from fupin.workflows.models import Case

pytestmark = pytest.mark.django_db


def test_load_demo_makes_the_cases_with_the_registry(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    assert load_demo(province=None, households=0) is True
    assert not Case.objects.exclude(kind="alert").exists()  # no registry, no demo cases
    assert load_demo(province=None, households=60) is True
    assert Case.objects.filter(county_code=DEMO_COUNTY).count() > 20


@pytest.mark.skipif(not os.environ.get("FUPIN_DEMO_FULL"), reason="full-size timing run")
def test_full_size_speed() -> None:
    load_demo(province=None, households=0)
    result = load_registry()
    assert result is not None
    print(
        f"\nFULL demo registry: {result.households} households, {result.members} members,"
        f" {result.incomes} incomes, {result.snapshots} snapshots in {result.seconds:.1f}s"
        f" {result.timings}"
    )
    assert result.seconds < 120  # target 40 s on an idle machine; see the printed timings
