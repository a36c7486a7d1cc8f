"""The one form-post helper: run a service for a bound form and put what it refuses on the
form, so a view never repeats the try/except around a write.

Where the refusal goes is the page's choice (`place`): `apply_errors` (the default) puts
each message by the field it names, the full message on top only when it names none;
`show_errors` puts the full message on top and the short notes by their fields (the case and
alert pages, whose forms are small).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fupin.core.errors import Conflict, ValidationFailed

T = TypeVar("T")


def apply_errors(form: Any, exc: ValidationFailed) -> None:
    apply = getattr(form, "apply_errors", None)
    if apply is not None:
        apply(exc)
    else:
        form.add_error(None, exc.message)


def show_errors(form: Any, exc: ValidationFailed, rename: dict[str, str] | None = None) -> None:
    """The service's full Chinese message on top, its short notes by the fields they name
    (`rename`: the service's field name → the form's)."""
    form.add_error(None, exc.message)
    for key, notes in (exc.errors or {}).items():
        name = (rename or {}).get(key, key)
        if name in form.fields and name != "__all__":
            for note in notes:
                form.add_error(name, note)


@dataclass(frozen=True)
class Posted(Generic[T]):
    """The outcome: the service's value, or the status to re-render the form with."""

    value: T | None
    status: int  # 200 done, 422 refused by validation, 409 a stale version
    conflict: Conflict | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


def form_post(
    form: Any,
    call: Callable[[], T],
    *,
    place: Callable[[Any, ValidationFailed], None] = apply_errors,
    conflict_on_form: bool = True,
    catch_conflict: bool = True,
) -> Posted[T]:
    """Run `call`. A ValidationFailed is placed on the form (`place`); a Conflict goes on top
    of the form (or, with `conflict_on_form=False`, only into the result for the page to
    show its own way; with `catch_conflict=False` it propagates to the error page)."""
    try:
        value = call()
    except ValidationFailed as exc:
        place(form, exc)
        return Posted(None, 422)
    except Conflict as exc:
        if not catch_conflict:
            raise
        if conflict_on_form:
            form.add_error(None, exc.message)
        return Posted(None, 409, exc)
    return Posted(value, 200)
