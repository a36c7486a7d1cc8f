"""What a decided case changes in the registry: a household's status (建档立卡 after an
identification, 已脱贫 in the exit year, 返贫), its monitoring marks, and the household size
its incomes are counted with after an approved member change.

These are the registry's services for other domains (the workflow flows' effects): a case
never writes registry rows itself, so the household's 疑点 are refreshed and the registry's
change signal (`household_changed`, on which supervision re-checks the household's rules) is
sent exactly as for an edit on the household pages — an approved exit below the criteria
raises its alert (R101 …) in the approving request, not at the nightly sweep.

Authorisation is the case's: the workflow engine has already checked that the actor may take
the step (jurisdiction, acting grant, read-only roles), so these services do not require the
registry's edit permission again. `reason=None` keeps the audit reason the caller set (the
engine's "<step>：<comment>").
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from fupin.core.access import Actor
from fupin.core.context import audit_context
from fupin.core.errors import NotFound, ValidationFailed

from . import codes
from .models import Household, Income
from .services import recheck


def _write(
    *, actor: Actor, household_id: int, values: dict[str, Any], reason: str | None
) -> Household:
    with audit_context(reason=reason):
        updated = Household.objects.filter(pk=household_id).update(
            **values, updated_by_id=actor.user_id, version=F("version") + 1
        )
    if not updated:
        raise NotFound()
    household = Household.objects.get(pk=household_id)
    recheck(household)
    return household


@transaction.atomic
def household_set_status(
    *,
    actor: Actor,
    household_id: int,
    status: str,
    identified_year: int | None = None,
    exit_year: int | None = None,
    reason: str | None = None,
) -> Household:
    """Set the household's 贫困户状态 (and the identification or exit year that goes with it);
    the household's version moves on like any edit."""
    if status not in codes.Status.values:
        raise ValidationFailed("贫困户状态无效", errors={"status": ["请选择贫困户状态"]})
    values: dict[str, Any] = {"status": status}
    if identified_year is not None:
        values["identified_year"] = identified_year
    if exit_year is not None:
        values["exit_year"] = exit_year
    return _write(actor=actor, household_id=household_id, values=values, reason=reason)


@transaction.atomic
def household_set_monitoring(
    *,
    actor: Actor,
    household_id: int,
    monitoring_status: str,
    monitoring_category: str | None = None,
    reason: str | None = None,
) -> Household:
    """Mark the household as a 防返贫监测对象 of a category, or its risk as cleared."""
    if monitoring_status not in codes.MonitoringStatus.values:
        raise ValidationFailed("监测状态无效", errors={"monitoring_status": ["请选择监测状态"]})
    values: dict[str, Any] = {"monitoring_status": monitoring_status}
    if monitoring_category is not None:
        values["monitoring_category"] = monitoring_category
    return _write(actor=actor, household_id=household_id, values=values, reason=reason)


@transaction.atomic
def income_follow_size(*, actor: Actor, household_id: int, from_year: int) -> int:
    """After a member change: the incomes of `from_year` onward are counted with the
    household's current size (their per-capita figures follow, being generated columns);
    returns how many income years changed. The household's rules are re-checked, since a
    per-capita income may now fall below (or rise above) the line."""
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    changed = (
        Income.objects.filter(household=household, year__gte=from_year)
        .exclude(size=household.declared_size)
        .update(size=household.declared_size, version=F("version") + 1)
    )
    if changed:
        recheck(household)
    return changed
