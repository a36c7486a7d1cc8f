"""Signals other domains listen to (they may not be imported by the registry)."""

from django.dispatch import Signal

# Sent with `household=` after a household or its members changed through a registry service;
# the supervision app re-checks the household's rules on it (the on-change path).
household_changed = Signal()
