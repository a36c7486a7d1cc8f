"""Opening cases in bulk, set-based: the SQL that writes `workflows_case` and
`workflows_transition` rows for a whole set of subjects at once (the supervision sweep opens
an alert case for every new hit of a rule).

The workflows app owns its tables, its case numbers and its timeline; another app that opens
cases in volume takes the statement pieces from here rather than writing them itself. The
pieces are common table expressions, so that the caller's one statement opens the cases and
goes on with what they are for (the sweep's alert rows) — one statement per rule, one audit
summary row per table under the caller's bulk batch, and the subject rows evaluated once.

Numbers come from the same sequence as `engine.next_case_no` and have its shape:
`<prefix>-<county>-<year>-<6-digit serial>`; each case gets the one `create` timeline row a
system-opened case has (no actor, no role).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CASE_CTE = """
{name} AS (
    INSERT INTO workflows_case (
        created_at, updated_at, version, case_no, kind, state, subject_level, region_id,
        region_code, county_code, year, title, data, channel, override_reason,
        override_failures, is_open, state_since)
    SELECT now(), now(), 1,
           %(wf_prefix)s || '-' || left(s.region_code, 6) || '-' || %(wf_year)s::text
               || '-' || lpad(nextval('workflows_case_no_seq')::text, 6, '0'),
           %(wf_kind)s, %(wf_state)s, %(wf_subject_level)s, s.region_code,
           s.region_code, left(s.region_code, 6), %(wf_year)s, {title},
           {data}, %(wf_channel)s, '', '[]'::jsonb, true, now()
      FROM {source} s
    RETURNING id, {key} AS {key_name}
),
{timeline} AS (
    INSERT INTO workflows_transition (case_id, name, label, from_state, to_state, actor_name,
                                      role_name, region_name, comment, data, at)
    SELECT n.id, 'create', %(wf_label)s, '', %(wf_state)s, %(wf_actor_name)s, '', '',
           %(wf_comment)s, '{{}}'::jsonb, now()
      FROM {name} n
)"""


@dataclass(frozen=True)
class CaseBulkOpen:
    """Two CTEs (`sql`, to be put in the caller's WITH list) and their parameters (`params`,
    all prefixed `wf_`, to be merged into the caller's)."""

    sql: str
    params: dict[str, Any]


def case_bulk_open(
    *,
    source: str,
    kind: str,
    state: str,
    prefix: str,
    subject_level: str,
    year: int,
    title: str,
    data: str,
    key: str,
    key_name: str,
    comment: str,
    label: str = "系统预警",
    channel: str = "system",
    actor_name: str = "系统",
    name: str = "new_cases",
    timeline: str = "timeline",
) -> CaseBulkOpen:
    """Open one case of `kind` in `state` for every row of `source` (a CTE or table of the
    caller's statement with a `region_code` column, read as `s`), numbered
    `<prefix>-<county>-<year>-…`.

    `title` and `data` are SQL expressions over `s` (and the caller's parameters); `key`
    is an expression over the inserted case row (e.g. `(data->>'subject_id')::bigint`) that
    the CTE `name` returns as `key_name` beside the new case's `id`, so the caller can join
    its rows to their cases. `comment` is the timeline's comment on each case.

    Put `sql` into the caller's statement as a str.format argument (it is not formatted
    again); the values are bound as named parameters and no SQL text comes from users.
    """
    sql = CASE_CTE.format(
        name=name,
        timeline=timeline,
        source=source,
        title=title,
        data=data,
        key=key,
        key_name=key_name,
    )
    params = {
        "wf_prefix": prefix,
        "wf_year": year,
        "wf_kind": kind,
        "wf_state": state,
        "wf_subject_level": subject_level,
        "wf_channel": channel,
        "wf_label": label,
        "wf_actor_name": actor_name,
        "wf_comment": comment,
    }
    return CaseBulkOpen(sql=sql, params=params)
