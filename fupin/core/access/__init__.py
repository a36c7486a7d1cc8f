"""The access kernel: who is acting (`Actor`), with which permissions, over which regions.

Every selector takes an Actor and filters at the data layer with `actor.scope_q(perm, field)`;
single objects go through `actor.require(...)` (404 outside the jurisdiction, 403 inside it
without the permission). Apps declare their permissions here (`declare_permissions`); the
accounts app turns a user's grants into an Actor (`fupin.accounts.selectors.load_actor`).
"""

from .actor import (
    ALL_REGIONS,
    Actor,
    GrantInUse,
    actor_of,
    can_edit_system_wide,
    require_system_wide_edit,
    system_actor,
)
from .directory import RegionDirectory, region_exists, region_names, register_region_directory
from .perms import (
    CASE_WORKERS,
    STAFF_READERS,
    Perm,
    Permission,
    all_permission_codes,
    declare_permissions,
    declared_permissions,
    permission_choices,
    permission_label,
    read_permissions,
)

__all__ = [
    "ALL_REGIONS",
    "CASE_WORKERS",
    "STAFF_READERS",
    "Actor",
    "GrantInUse",
    "Perm",
    "Permission",
    "RegionDirectory",
    "actor_of",
    "all_permission_codes",
    "can_edit_system_wide",
    "declare_permissions",
    "declared_permissions",
    "permission_choices",
    "permission_label",
    "read_permissions",
    "region_exists",
    "region_names",
    "register_region_directory",
    "require_system_wide_edit",
    "system_actor",
]
