"""The household detail page's "预警" tab: the household's alerts in the jurisdiction
(registered from SupervisionConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fupin.core.access import Actor, Perm
from fupin.registry.tabs import register_tab
from fupin.supervision.alerts import selectors
from fupin.supervision.alerts.flows import FLOW


def household_alerts(request: HttpRequest, actor: Actor, household: Any) -> dict[str, Any]:
    today = selectors.today()
    return {
        "alert_rows": [
            {
                "a": a,
                "rule": selectors.rule_label(a.rule_code),
                "state": FLOW.state_label(a.case.state),
                "overdue": a.is_open and a.due_date is not None and a.due_date < today,
            }
            for a in selectors.household_alerts(actor, household)
        ]
    }


register_tab(
    "预警",
    "supervision/alerts/_household_tab.html",
    household_alerts,
    Perm.ALERT_VIEW,
    key="alerts",
    order=130,
)
