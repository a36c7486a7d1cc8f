"""Signals other domains listen to."""

from django.dispatch import Signal

# Sent with `case=` after a case moved through a transition (supervision re-checks its rules).
case_changed = Signal()
