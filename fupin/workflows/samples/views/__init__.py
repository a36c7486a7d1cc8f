"""Third-party samples and survey records.

Every page starts from the actor's jurisdiction: a region named in the query string is checked
with `actor.require` (404 outside), lists are filtered with `actor.scope_q`. Writes go through
the services (draw_sample, record_finding, record_survey), which check read-only roles (403).
"""

from fupin.workflows.samples.views.samples import (
    sample_detail,
    sample_export,
    sample_finding,
    sample_list,
    sample_new,
)
from fupin.workflows.samples.views.surveys import surveys

__all__ = [
    "sample_detail",
    "sample_export",
    "sample_finding",
    "sample_list",
    "sample_new",
    "surveys",
]
