"""Income writes: a household's income for a year."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from fupin.core.access import Actor
from fupin.core.errors import ValidationFailed
from fupin.registry import codes, selectors
from fupin.registry.models import Income
from fupin.registry.services.common import (
    recheck,
    require_write,
)


@transaction.atomic
def income_save(
    *,
    actor: Actor,
    household_id: int,
    year: int,
    amounts: dict[str, Decimal | int | str],
    size: int | None = None,
) -> Income:
    """Create or replace a household's income for a year (size defaults to current members)."""
    household = selectors.access_household(actor, household_id)
    require_write(actor, household.region_code)
    if size is None:
        size = household.members.filter(left_on__isnull=True).count()
    unknown = set(amounts) - set(codes.INCOME_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知收入项：{', '.join(sorted(unknown))}")
    for key, value in amounts.items():
        if Decimal(str(value)) < 0:
            raise ValidationFailed("收入和支出金额不能为负数", errors={key: ["不能为负数"]})
    income, _ = Income.objects.update_or_create(
        household=household,
        year=year,
        defaults={
            "county_code": household.county_code,
            "size": size,
            "updated_by_id": actor.user_id,
            **amounts,
        },
        create_defaults={
            "county_code": household.county_code,
            "size": size,
            "created_by_id": actor.user_id,
            "updated_by_id": actor.user_id,
            **amounts,
        },
    )
    income.refresh_from_db()
    recheck(household)
    return income
