"""What the regions' services share: the first year of records, the refusal listing every
field's error, and the update under an optimistic lock."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from fupin.core.errors import Conflict, ValidationFailed

FIRST_YEAR = 2013  # 精准扶贫 began with the 2013 identification campaign


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)


def _locked_update(model: type[Any], pk: Any, version: int, **values: Any) -> None:
    updated = model.objects.filter(pk=pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if updated == 0:
        raise Conflict()
