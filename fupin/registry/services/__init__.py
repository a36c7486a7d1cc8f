"""Writes to the registry. Every service takes the actor, checks jurisdiction and permission,
validates with the rule catalogue (errors block, warnings are returned) and is atomic.

By sub-domain: `households` (register, edit), `incomes`, `members` (add, edit), `changes`
(member changes with reason and evidence); what they share is in `common`."""

from fupin.registry.services.changes import EVIDENCE, member_change
from fupin.registry.services.common import (
    CORRECTABLE_FIELDS,
    HOUSEHOLD_FIELDS,
    LABOUR_AGE,
    MEMBER_FIELDS,
    SaveResult,
    audit_reason,
    bundle_for,
    check_bundle,
    default_labour,
    duplicate_id_message,
    line_lookup,
    recheck,
    require_write,
)
from fupin.registry.services.households import household_create, household_update
from fupin.registry.services.incomes import income_save
from fupin.registry.services.members import access_member, member_add, member_update

__all__ = [
    "CORRECTABLE_FIELDS",
    "EVIDENCE",
    "HOUSEHOLD_FIELDS",
    "LABOUR_AGE",
    "MEMBER_FIELDS",
    "SaveResult",
    "access_member",
    "audit_reason",
    "bundle_for",
    "check_bundle",
    "default_labour",
    "duplicate_id_message",
    "household_create",
    "household_update",
    "income_save",
    "line_lookup",
    "member_add",
    "member_change",
    "member_update",
    "recheck",
    "require_write",
]
