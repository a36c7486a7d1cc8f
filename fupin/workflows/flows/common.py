"""Pieces shared by the flows: who acts at each level, and registry effects."""

from __future__ import annotations

from fupin.registry import status as registry_status
from fupin.registry.models import Household
from fupin.workflows.engine import Ctx, Guard
from fupin.workflows.notices.services import no_pending_objection

VILLAGE = frozenset({"village", "first_secretary"})
TOWNSHIP = frozenset({"township", "poverty_office"})
OFFICE = frozenset({"poverty_office"})

V, T, C, CITY, P = 5, 4, 3, 2, 1


def _household(ctx: Ctx) -> Household:
    household = ctx.case.household
    assert household is not None
    return household


def set_status(
    ctx: Ctx, status: str, *, identified_year: int | None = None, exit_year: int | None = None
) -> None:
    """Set the status a case decides through the registry's service (so the household's
    疑点 and rules follow), with the case step as the audit reason (the caller's
    audit_context); the case's household is refreshed for the effects after."""
    household = _household(ctx)
    registry_status.household_set_status(
        actor=ctx.actor,
        household_id=household.pk,
        status=status,
        identified_year=identified_year,
        exit_year=exit_year,
    )
    household.refresh_from_db()


def set_monitoring(
    ctx: Ctx, monitoring_status: str, monitoring_category: str | None = None
) -> None:
    """Mark the household's monitoring status (and category) through the registry's service."""
    household = _household(ctx)
    registry_status.household_set_monitoring(
        actor=ctx.actor,
        household_id=household.pk,
        monitoring_status=monitoring_status,
        monitoring_category=monitoring_category,
    )
    household.refresh_from_db()


def household_required() -> Guard:
    def check(ctx: Ctx) -> str | None:
        if ctx.case.household_id is None:
            return "请先关联农户（在本页“关联农户”中按户编号选择，或先在建档立卡中登记为一般农户）"
        return None

    return Guard("已关联农户", check)


OBJECTIONS_RESOLVED = no_pending_objection()
