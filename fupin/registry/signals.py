"""Signals other domains listen to (they may not be imported by the registry)."""

from django.dispatch import Signal

# Sent with `household=` after a household or its members changed through a registry service;
# the supervision app re-checks the household's rules on it (the on-change path).
household_changed = Signal()

# Sent with `region_code=` (the import's jurisdiction) and `job_id=` after a registry import
# that created or changed households has committed; supervision sweeps the county's household
# rules on it, set-based (one statement per rule, not one re-check per household).
households_imported = Signal()
