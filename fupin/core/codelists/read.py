"""Reading the lists: choices, labels, model field choices, and the check that no stopped
(停用) item is chosen anew."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db.models import Model, TextChoices
from django.utils.deconstruct import deconstructible

from fupin.core.codelists.lists import ListRef, registered
from fupin.core.codelists.store import Item, current


def items(cls: ListRef) -> list[Item]:
    """Every item of a list in display order, active or not."""
    cl = registered(cls)
    if cl is None:
        assert not isinstance(cls, str)
        return [Item(str(v), str(lbl), True, True) for v, lbl in cls.choices]
    return list(current().items[cl.key])


def choices(cls: ListRef) -> list[tuple[str, str]]:
    """[(value, label)] of every item, inactive ones included so old records still display."""
    return [(i.value, i.label) for i in items(cls)]


def active_choices(cls: ListRef, keep: Any = ()) -> list[tuple[str, str]]:
    """[(value, label)] of the items that may be chosen for new data, plus `keep` (a record's
    own value, or values) where an administrator has stopped (停用) it since, in list order."""
    kept = _values(keep)
    return [(i.value, i.label) for i in items(cls) if i.active or i.value in kept]


def list_key(field: Any) -> str | None:
    """The key of the code list behind a model field's choices (an ArrayField's: those of its
    base field), or None."""
    field = getattr(field, "base_field", field)
    return getattr(getattr(field.choices, "func", None), "key", None)


def stopped_errors(obj: Model, before: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """{field: [message]} for each code field of `obj` given a stopped item anew. A record
    keeps a value it already holds; nobody may choose it again. `before` is None for a new
    record (every field checked), else the changed fields' previous values."""
    errors: dict[str, list[str]] = {}
    for field in obj._meta.concrete_fields:
        key = list_key(field)
        if key is None or (before is not None and field.name not in before):
            continue
        stopped = {i.value: i.label for i in items(key) if not i.active}
        if not stopped:
            continue
        held = _values(before[field.name]) if before is not None else set()
        chosen = _values(getattr(obj, field.attname)) - held
        names = [stopped[v] for v in sorted(chosen) if v in stopped]
        if names:
            errors[field.name] = [f"“{'、'.join(names)}”已停用，不能再选用"]
    return errors


def _values(value: Any) -> set[str]:
    values = value if isinstance(value, list | tuple | set) else [value]
    return {str(v) for v in values if v not in (None, "")}


def label(cls: ListRef, value: Any) -> str:
    """The current label of `value` (the value itself when the list does not know it)."""
    if value is None:
        return ""
    cl = registered(cls)
    if cl is None:
        assert not isinstance(cls, str)
        return str(dict(cls.choices).get(value, value))
    return current().labels[cl.key].get(str(value), str(value))


def code_labels(cls: type[TextChoices]) -> dict[str, str]:
    """value → label as defined in code (imports keep accepting these after a rename)."""
    return {str(v): str(lbl) for v, lbl in cls.choices}


@deconstructible(path="fupin.core.codelists.FieldChoices")
class FieldChoices:
    """A model field's `choices` that follow the code list (Django calls it when needed)."""

    def __init__(self, key: str):
        self.key = key

    def __call__(self) -> list[tuple[str, str]]:
        return choices(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldChoices) and other.key == self.key

    def __hash__(self) -> int:
        return hash((FieldChoices, self.key))

    def __repr__(self) -> str:
        return f"FieldChoices({self.key!r})"


def form_choices(
    cls: ListRef, *, blank: str | None = None, active_only: bool = False
) -> functools.partial[list[tuple[str, str]]]:
    """A form field's `choices` callable, optionally headed by ("", blank)."""
    return functools.partial(_form_choices, cls, blank, active_only)


def _form_choices(cls: ListRef, blank: str | None, active_only: bool) -> list[tuple[str, str]]:
    head = [("", blank)] if blank is not None else []
    return head + (active_choices(cls) if active_only else choices(cls))
