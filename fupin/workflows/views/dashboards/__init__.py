"""Exit dashboards (household, village, county), third-party samples and survey records.

Every page starts from the actor's jurisdiction: a region named in the query string is checked
with `actor.require` (404 outside), lists are filtered with `actor.scope_q`. Writes go through
the services (draw_sample, record_finding, record_survey), which check read-only roles (403).
"""

from .exits import (
    county_exit_dashboard,
    exit_dashboard,
    household_exit_overview,
    village_exit_dashboard,
)
from .samples import sample_detail, sample_export, sample_finding, sample_list, sample_new
from .surveys import surveys

__all__ = [
    "county_exit_dashboard",
    "exit_dashboard",
    "household_exit_overview",
    "sample_detail",
    "sample_export",
    "sample_finding",
    "sample_list",
    "sample_new",
    "surveys",
    "village_exit_dashboard",
]
