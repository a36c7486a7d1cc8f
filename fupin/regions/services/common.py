"""What the regions' services share: the first year of records and the refusal listing every
field's error (their optimistic-lock updates go through fupin.core.versioning)."""

from __future__ import annotations

from fupin.core.errors import ValidationFailed

FIRST_YEAR = 2013  # 精准扶贫 began with the 2013 identification campaign


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
