"""Staff pages of the alerts: the rule catalogue (with a sweep on demand), the alert list, the
alert page with its steps, 督办 notices and rectifications, the documents and the statistics."""

from fupin.supervision.alerts.views.actions import (
    alert_rectify,
    alert_step,
    notice_docx,
    notice_pdf,
    rectification_file,
    rules_run,
)
from fupin.supervision.alerts.views.pages import alert_detail, alert_list, dashboard, rules

__all__ = [
    "alert_detail",
    "alert_list",
    "alert_rectify",
    "alert_step",
    "dashboard",
    "notice_docx",
    "notice_pdf",
    "rectification_file",
    "rules",
    "rules_run",
]
