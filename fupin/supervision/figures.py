"""The supervision app's dashboard figures (core.stats), kept current by triggers.

- `supervision.alerts`: alerts by rule, severity, workflow stage (the alert case's state),
  open or closed (销号) and "condition cleared". The stage lives on the case, so the case
  table feeds the figure: a transition moves the alert from one stage to the other, a case of
  another kind joins no alert and moves nothing. Only a case UPDATE feeds it: the sweep inserts
  the alert cases and their alerts in one statement, whose statement triggers both see both
  rows, so the alert table's trigger alone counts an insert (and a delete: the alert row goes
  before, or with, its case).

Overdue (open, deadline before today) depends on the date, not on a row's values, so it is not
a stored dimension: `alerts.selectors.counts` counts it with one query on the open alerts'
deadline index (`alert_open_region_due`).
"""

from __future__ import annotations

from fupin.core.stats import Figure, declare_figure

_COLUMNS = (
    "a.region_code, 0, a.rule_code, a.severity, c.state, a.is_open, a.cleared_at IS NOT NULL, 1"
)

ALERTS = declare_figure(
    Figure(
        name="supervision.alerts",
        label="预警（按规则、级别、环节、销号与条件消除）",
        table="supervision_alert",
        source=f"SELECT {_COLUMNS} FROM {{rows}} a JOIN workflows_case c ON c.id = a.case_id",
        feeds={
            # Only a case UPDATE moves the figure (TG_OP: the feed runs in the trigger only).
            "workflows_case": (
                f"SELECT {_COLUMNS} FROM {{rows}} c JOIN supervision_alert a ON a.case_id = c.id"
                " WHERE TG_OP = 'UPDATE'"
            )
        },
        dims=("rule", "severity", "state", "open", "cleared"),
        measures=("alerts",),
        maintained="trigger",
    )
)
