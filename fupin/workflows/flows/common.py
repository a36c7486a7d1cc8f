"""Pieces shared by the flows: who acts at each level, and registry effects."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from fupin.registry.models import Household

from ..engine import Ctx, Guard
from ..notices import no_pending_objection

VILLAGE = frozenset({"village", "first_secretary"})
TOWNSHIP = frozenset({"township", "poverty_office"})
OFFICE = frozenset({"poverty_office"})

V, T, C, CITY, P = 5, 4, 3, 2, 1


def set_household(ctx: Ctx, **values: Any) -> None:
    """Write the household fields a case decides, with the case as the audit reason (the
    caller's audit_context); the household's version moves on like any edit."""
    household = ctx.case.household
    assert household is not None
    Household.objects.filter(pk=household.pk).update(
        **values, updated_by_id=ctx.actor.user_id, version=F("version") + 1
    )
    household.refresh_from_db()


def household_required() -> Guard:
    def check(ctx: Ctx) -> str | None:
        if ctx.case.household_id is None:
            return "请先关联农户（在本页“关联农户”中按户编号选择，或先在建档立卡中登记为一般农户）"
        return None

    return Guard("已关联农户", check)


OBJECTIONS_RESOLVED = no_pending_objection()
