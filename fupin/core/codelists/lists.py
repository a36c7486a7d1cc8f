"""The registered code lists: which TextChoices of the platform are kept as data.

Each app registers its own lists (`register_code_lists`) in its `AppConfig.ready()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices


@dataclass(frozen=True)
class CodeList:
    key: str  # the TextChoices class name
    codes: type[TextChoices]
    title: str
    # Whether administrators may add items; the others only take label and order edits.
    extensible: bool = False
    # The shortest max_length of the model fields that store the list's values.
    max_length: int | None = None


_REGISTERED: dict[str, CodeList] = {}


def register_code_lists(*lists: CodeList) -> None:
    """Called by the app that owns the TextChoices, in its `AppConfig.ready()`."""
    for cl in lists:
        known = _REGISTERED.get(cl.key)
        if known is not None and known.codes is not cl.codes:
            raise ValueError(f"code list {cl.key!r} is registered twice")
        _REGISTERED[cl.key] = cl


def code_lists() -> dict[str, CodeList]:
    """The registered lists, key → CodeList, in registration (display) order."""
    return _REGISTERED


ListRef = str | type[TextChoices]


def registered(cls: ListRef) -> CodeList | None:
    """The registered list for a key or a TextChoices class (None for another class, e.g. a
    workflows TextChoices that happens to share a name)."""
    if isinstance(cls, str):
        try:
            return code_lists()[cls]
        except KeyError as exc:
            raise LookupError(f"unknown code list {cls!r}") from exc
    found = code_lists().get(cls.__name__)
    return found if found is not None and found.codes is cls else None
