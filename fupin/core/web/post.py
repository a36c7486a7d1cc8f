"""The one form-post helper: run a service for a bound form and put what it refuses on the
form, so a view never repeats the try/except around a write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fupin.core.errors import Conflict, ValidationFailed

T = TypeVar("T")


@dataclass(frozen=True)
class Posted(Generic[T]):
    """The outcome: the service's value, or the status to re-render the form with."""

    value: T | None
    status: int  # 200 done, 422 refused by validation, 409 a stale version

    @property
    def ok(self) -> bool:
        return self.status == 200


def form_post(form: Any, call: Callable[[], T]) -> Posted[T]:
    """Run `call`; a ValidationFailed goes onto the form's fields (or its top when it names
    none), a Conflict onto the top of the form."""
    try:
        value = call()
    except ValidationFailed as exc:
        apply = getattr(form, "apply_errors", None)
        if apply is not None:
            apply(exc)
        else:
            form.add_error(None, exc.message)
        return Posted(None, 422)
    except Conflict as exc:
        form.add_error(None, exc.message)
        return Posted(None, 409)
    return Posted(value, 200)
