"""The on-change path: a household or case that changed is re-checked against its rules at
once, inside the same transaction, so an alert appears (or records that it cleared) with the
edit that caused it. A registry import, once committed, has its county's household rules
swept set-based."""

from __future__ import annotations

from typing import Any

from fupin.supervision import engine


def on_household_changed(sender: Any, household: Any, **kwargs: Any) -> None:
    engine.recheck("household", household.pk, household.region_code)


def on_case_changed(sender: Any, case: Any, **kwargs: Any) -> None:
    if case.kind != "alert":
        engine.recheck("case", case.pk, case.region_code)


def on_households_imported(sender: Any, region_code: str, job_id: int, **kwargs: Any) -> None:
    engine.sweep_imported(region_code=region_code, job_id=job_id)
