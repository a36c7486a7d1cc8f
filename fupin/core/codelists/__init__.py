"""Code lists (代码表) as data: the system administrator edits labels and order, and adds
items to the lists that allow it (SPEC §0); the values the platform's logic relies on stay
defined in code (the TextChoices of `fupin.registry.codes`) and are seeded as builtin rows.

Reading: `choices(codes.Cause)`, `active_choices(...)`, `label(codes.Cause, "illness")`, and
`FieldChoices("Cause")` as a model field's `choices` (Django evaluates it lazily, so
`get_FOO_display`, model forms and templates follow the data).

Reads go through a small process-local cache (TTL_SECONDS). A write through this module
drops it at once in this process (other processes follow within the TTL); inside the
transaction that wrote, reads see that transaction's own rows and never leave them in the
shared cache, so a rolled-back edit (a failed request, every test) leaves nothing behind.
Before the table exists (a fresh database during `migrate` or the system checks) the
TextChoices are used, without running a failing query.
"""

from fupin.core.codelists.admin import add_item, can_edit, can_view, overview, update_item
from fupin.core.codelists.lists import CodeList, ListRef, code_lists, register_code_lists
from fupin.core.codelists.read import (
    FieldChoices,
    active_choices,
    choices,
    code_labels,
    form_choices,
    items,
    label,
    list_key,
    stopped_errors,
)
from fupin.core.codelists.store import Item, invalidate, on_item_saved, on_post_migrate, sync

__all__ = [
    "CodeList",
    "FieldChoices",
    "Item",
    "ListRef",
    "active_choices",
    "add_item",
    "can_edit",
    "can_view",
    "choices",
    "code_labels",
    "code_lists",
    "form_choices",
    "invalidate",
    "items",
    "label",
    "list_key",
    "on_item_saved",
    "on_post_migrate",
    "overview",
    "register_code_lists",
    "stopped_errors",
    "sync",
    "update_item",
]
