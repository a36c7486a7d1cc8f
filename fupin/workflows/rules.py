"""Supervision rules on cases (SPEC §7): stuck cases, notices not published in time, monitored
households without measures. Run set-based by fupin.supervision; a case's change re-checks
its own alerts (scope "case")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core.rules import rule

FILTER = "c.region_code LIKE %(region)s AND (%(scope)s::bigint IS NULL OR c.id = %(scope)s::bigint)"
# The case number only: a case's title carries the household head's name (SPEC §10).
LABEL = "'办件 ' || c.case_no"
# The calendar day the case entered its state, in local time (the session runs in UTC).
SINCE = "timezone(%(tz)s, c.state_since)::date"


def _awaiting_notice(region_code: str, today: dt.date) -> dict[str, Any]:
    """(kind, state) pairs whose next step publishes a notice."""
    from fupin.workflows.engine import FLOWS

    pairs = sorted(
        {
            (f.kind, state)
            for f in FLOWS.values()
            for s in f.steps
            if s.notice_level
            for state in s.sources
        }
    )
    return {"kinds": [k for k, _ in pairs], "states": [s for _, s in pairs]}


STUCK = rule(
    "R201",
    "办件在同一环节停留超期",
    subject="case",
    scope="case",
    severity="medium",
    responsible="township",
    level=4,
    description="识别、退出、监测等办件在同一环节停留超过规定天数未办理",
    params=[("days", "停留天数上限", 30, {"unit": "天", "minimum": 1, "maximum": 365})],
    sql=f"""
    SELECT c.id AS subject_id, c.id AS scope_id, c.region_code, {LABEL} AS label,
           c.household_id,
           jsonb_build_object('环节', c.state, '停留天数', (%(today)s::date - {SINCE}),
                              '上限', %(p_days)s) AS evidence
      FROM workflows_case c
     WHERE c.is_open AND c.kind <> 'alert' AND {FILTER}
       AND {SINCE} < %(today)s::date - %(p_days)s::int
    """,
)

NOTICE_LATE = rule(
    "R202",
    "应公示未按时公示",
    subject="case",
    scope="case",
    severity="high",
    responsible="village",
    level=5,
    description="办件已到需公示的环节，超过规定天数仍未发布公示",
    params=[("days", "应公示天数上限", 5, {"unit": "天", "minimum": 1, "maximum": 60})],
    computed=_awaiting_notice,
    sql=f"""
    SELECT c.id AS subject_id, c.id AS scope_id, c.region_code, {LABEL} AS label,
           c.household_id,
           jsonb_build_object('待公示天数', (%(today)s::date - {SINCE}),
                              '上限', %(p_days)s) AS evidence
      FROM workflows_case c
      JOIN unnest(%(kinds)s::text[], %(states)s::text[]) AS w(kind, state)
        ON w.kind = c.kind AND w.state = c.state
     WHERE c.is_open AND {FILTER}
       AND {SINCE} < %(today)s::date - %(p_days)s::int
    """,
)

NO_MEASURE = rule(
    "R203",
    "监测对象未及时落实帮扶措施",
    subject="case",
    scope="case",
    severity="high",
    responsible="village",
    level=5,
    description="确认纳入监测后超过规定天数仍未落实帮扶措施",
    params=[("days", "落实措施天数上限", 15, {"unit": "天", "minimum": 1, "maximum": 180})],
    sql=f"""
    SELECT c.id AS subject_id, c.id AS scope_id, c.region_code, {LABEL} AS label,
           c.household_id,
           jsonb_build_object('确认纳入后天数', (%(today)s::date - {SINCE}),
                              '上限', %(p_days)s) AS evidence
      FROM workflows_case c
     WHERE c.is_open AND c.kind = 'monitoring' AND c.state = 'confirmed' AND {FILTER}
       AND {SINCE} < %(today)s::date - %(p_days)s::int
    """,
)
