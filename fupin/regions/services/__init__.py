"""Writes for village profiles, battle zones, command units and organisations.

Every service checks the actor's permission at the target region, validates with Chinese
messages (ValidationFailed), and updates with an optimistic lock on `version` (Conflict).
By sub-domain: `villages`, `battle_zones`, `command_units`, `organisations`; what they share
is in `common`.
"""

from fupin.regions.services.battle_zones import battle_zone_create, battle_zone_update
from fupin.regions.services.command_units import (
    command_unit_create,
    command_unit_member_add,
    command_unit_member_remove,
    command_unit_update,
)
from fupin.regions.services.common import FIRST_YEAR
from fupin.regions.services.organisations import (
    CREDIT_CODE_CHARSET,
    CREDIT_CODE_WEIGHTS,
    credit_code_is_valid,
    organisation_create,
    organisation_update,
)
from fupin.regions.services.villages import validate_village_profile, village_profile_update

__all__ = [
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    "FIRST_YEAR",
    "battle_zone_create",
    "battle_zone_update",
    "command_unit_create",
    "command_unit_member_add",
    "command_unit_member_remove",
    "command_unit_update",
    "credit_code_is_valid",
    "organisation_create",
    "organisation_update",
    "validate_village_profile",
    "village_profile_update",
]
