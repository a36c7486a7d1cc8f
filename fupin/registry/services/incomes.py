"""Income writes: a household's income for a year, under the optimistic lock.

The form and the API send back the `version` they loaded; 0 says "no income entered for this
year yet". A save against a version that has moved on — or a 0 when someone entered the year
meanwhile — is a Conflict naming who saved it last and when."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from fupin.core.access import Actor
from fupin.core.errors import Conflict, ValidationFailed
from fupin.core.versioning import stale, versioned_update
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
    version: int,
    amounts: dict[str, Decimal | int | str],
    size: int | None = None,
) -> Income:
    """Enter (version 0) or change (the version loaded) a household's income for a year;
    size defaults to the current members."""
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
    subject = f"{year}年度收入"
    values = {"county_code": household.county_code, "size": size, **amounts}
    if version == 0:
        try:
            with transaction.atomic():  # a concurrent first entry: refused, not a 500
                income = Income.objects.create(
                    household=household,
                    year=year,
                    created_by_id=actor.user_id,
                    updated_by_id=actor.user_id,
                    **values,
                )
        except IntegrityError as exc:
            if "income_one_per_year" not in str(exc):
                raise
            raise _stale_year(household.pk, year, subject) from exc
    else:
        found = Income.objects.filter(household=household, year=year).first()
        if found is None:
            raise _stale_year(household.pk, year, subject)
        income = found
        versioned_update(
            Income,
            pk=income.pk,
            version=version,
            actor_id=actor.user_id,
            values=values,
            subject=subject,
        )
    income.refresh_from_db()
    recheck(household)
    return income


def _stale_year(household_id: int, year: int, subject: str) -> Conflict:
    """The Conflict of a save whose year has moved on: entered, changed or removed since."""
    pk = Income.objects.filter(household_id=household_id, year=year).values_list("pk", flat=True)
    row = pk.first()
    if row is None:
        return Conflict(f"{subject}已被删除，请刷新后重试")
    return stale(Income, row, subject=subject)
