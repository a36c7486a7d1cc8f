"""The rule engine: apps declare rules in their `rules.py` (with `fupin.core.rules.rule`); a
sweep runs each rule as ONE set-based statement that merges its hits into alerts (SPEC §7,
STYLE rule 9).

A rule's `sql` is a SELECT returning one row per violating subject with the columns

    subject_id bigint, scope_id bigint, region_code text, label text,
    household_id bigint (or NULL), evidence jsonb

and filtering on the named parameters `%(region)s` (a LIKE pattern such as '510981%'),
`%(scope)s` (NULL, or the id of the one household/case being re-checked after a change) and
`%(p_<name>)s` for each of its parameters (declared with defaults, editable per region on the
parameter page as `rules.<code>.<name>`). The sweep statement then, in one go: refreshes the
open alerts still hit (hit count, last seen, evidence, condition no longer cleared), records
`cleared_at` on open alerts no longer hit, and opens a case + alert for each new hit — so an
alert is never duplicated for a (rule, subject) while it is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from fupin.audit.services import batch_finish, batch_start, bulk_audit
from fupin.core.access import system_actor
from fupin.core.rules import RULES, Rule
from fupin.regions.models import CODE_LENGTH
from fupin.supervision.alerts.models import Alert
from fupin.workflows.cases.bulk import case_bulk_open

ANALYZE_AFTER = 100  # alerts opened by a sweep before it refreshes the table statistics

SWEEP_SQL = """
WITH hits AS ({rule_sql}),
refreshed AS (
    UPDATE supervision_alert a
       SET last_seen_at = now(), hit_count = a.hit_count + 1, evidence = h.evidence,
           cleared_at = NULL
      FROM hits h
     WHERE a.rule_code = %(rule)s AND a.subject_type = %(subject_type)s
       AND a.subject_id = h.subject_id AND a.is_open
    RETURNING a.id
),
cleared AS (
    UPDATE supervision_alert a SET cleared_at = now()
     WHERE a.rule_code = %(rule)s AND a.is_open AND a.cleared_at IS NULL
       AND a.region_code LIKE %(region)s
       AND (%(scope)s::bigint IS NULL OR a.scope_id = %(scope)s::bigint)
       AND NOT EXISTS (SELECT 1 FROM hits h WHERE h.subject_id = a.subject_id)
    RETURNING a.id
),
fresh AS (
    SELECT h.* FROM hits h
     WHERE NOT EXISTS (SELECT 1 FROM supervision_alert a
                        WHERE a.rule_code = %(rule)s AND a.subject_type = %(subject_type)s
                          AND a.subject_id = h.subject_id AND a.is_open)
),
{case_ctes},
opened AS (
    INSERT INTO supervision_alert (
        case_id, rule_code, subject_type, subject_id, scope_id, subject_label, household_id,
        region_code, county_code, unit_code, severity, evidence, first_seen_at, last_seen_at,
        hit_count, is_open, escalation_level)
    SELECT n.id, %(rule)s, %(subject_type)s, f.subject_id, f.scope_id, left(f.label, 200),
           f.household_id, f.region_code, left(f.region_code, 6),
           left(f.region_code, %(unit_length)s), %(severity)s, f.evidence, now(), now(), 1,
           true, 0
      FROM new_cases n JOIN fresh f ON f.subject_id = n.subject_id
    RETURNING id
)
SELECT (SELECT count(*) FROM opened), (SELECT count(*) FROM refreshed),
       (SELECT count(*) FROM cleared)
"""


@dataclass
class SweepResult:
    rule: str
    opened: int = 0
    refreshed: int = 0
    cleared: int = 0

    @property
    def hits(self) -> int:
        return self.opened + self.refreshed


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def run_rule(
    rule_obj: Rule, *, region_code: str = "", scope: int | None = None, today: dt.date | None = None
) -> SweepResult:
    """Run one rule over a region (every subject under it) or over one scope record."""
    today = today or timezone.localdate()
    # The alert flow's subject level for every rule: a "village" level would fall under the
    # one-open-case-per-village constraint and two case alerts of one village would clash.
    subject_level = "household"
    values: dict[str, Any] = {
        "rule": rule_obj.code,
        "rule_name": rule_obj.name,
        "subject_type": rule_obj.subject,
        "subject_level": subject_level,
        "severity": rule_obj.severity,
        "unit_length": CODE_LENGTH[rule_obj.level],
        "region": f"{region_code}%",
        "scope": scope,
        "year": today.year,
        "today": today,
        # Timestamps are turned into calendar dates in local time (the session runs in UTC).
        "tz": settings.TIME_ZONE,
        **{k: _jsonable(v) for k, v in rule_obj.values(region_code, today).items()},
    }
    # The alert cases are opened by the workflows app's set-based piece, inside this one
    # statement (it owns the case table, the numbering and the timeline).
    cases = case_bulk_open(
        source="fresh",
        kind="alert",
        state="assigned",
        prefix="YJ",
        subject_level=subject_level,
        year=today.year,
        title="left(%(rule_name)s || '：' || s.label, 200)",
        data="jsonb_build_object('rule', %(rule)s, 'subject_id', s.subject_id)",
        key="(data->>'subject_id')::bigint",
        key_name="subject_id",
        comment=rule_obj.name,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            SWEEP_SQL.format(rule_sql=rule_obj.sql, case_ctes=cases.sql), {**values, **cases.params}
        )
        row = cursor.fetchone()
    assert row is not None
    return SweepResult(rule_obj.code, opened=row[0], refreshed=row[1], cleared=row[2])


def sweep(
    *,
    region_code: str = "",
    codes: Iterable[str] | None = None,
    today: dt.date | None = None,
    description: str | None = None,
    reason: str = "预警规则定时巡检",
) -> list[SweepResult]:
    """Run every rule (or the named ones) over a region, each in one statement, under one
    audit batch (bulk mode: one audit summary row per statement). The scheduler takes the
    default `description` as the county's "swept today" marker; a sweep for another purpose
    (after an import) names itself otherwise."""
    chosen = [RULES[c] for c in codes] if codes else list(RULES.values())
    batch = batch_start(
        actor=system_actor(),
        kind="supervision.sweep",
        description=description or f"预警规则巡检 {region_code or '全部区划'}",
        reason=reason,
    )
    results = {item.code: SweepResult(item.code) for item in chosen}
    with bulk_audit(batch):
        # Rule parameters are resolved per county (a county may tune its own), so a sweep
        # wider than a county runs county by county.
        for county in counties_under(region_code):
            for item in chosen:
                part = run_rule(item, region_code=county, today=today)
                total = results[item.code]
                total.opened += part.opened
                total.refreshed += part.refreshed
                total.cleared += part.cleared
    results_list = list(results.values())
    if sum(r.opened for r in results_list) >= ANALYZE_AFTER:
        # Fresh statistics: a planner still taking the alert table for (nearly) empty picks
        # nested loops that make the next sweep's merge quadratic.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE supervision_alert")
    batch_finish(batch, sum(r.opened + r.cleared for r in results_list))
    return results_list


def counties_under(region_code: str) -> list[str]:
    """The county codes a sweep of `region_code` covers: itself (or its county) when it is a
    county or below, else every county under it that has households, cases or alerts."""
    if len(region_code) >= 6:
        return [region_code]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT county_code FROM registry_household WHERE county_code LIKE %(p)s"
            " UNION SELECT county_code FROM workflows_case WHERE county_code LIKE %(p)s"
            " UNION SELECT county_code FROM supervision_alert WHERE county_code LIKE %(p)s"
            " ORDER BY 1",
            {"p": f"{region_code}%"},
        )
        return [row[0] for row in cursor.fetchall()]


def recheck(
    scope: str, scope_id: int, region_code: str, today: dt.date | None = None
) -> list[SweepResult]:
    """Re-check the rules of one household or one case after it changed (the on-change path),
    with the parameters of its county, like the sweep."""
    return [
        run_rule(item, region_code=region_code[:6], scope=scope_id, today=today)
        for item in RULES.values()
        if item.scope == scope
    ]


def sweep_imported(*, region_code: str, job_id: int) -> list[SweepResult]:
    """After a registry import committed: the household rules of the import's county (or
    every county under a wider jurisdiction), one set-based statement per rule — whatever the
    number of households the import brought or changed."""
    county = region_code[:6]
    return sweep(
        region_code=county,
        codes=[code for code, item in RULES.items() if item.scope == "household"],
        description=f"导入后预警规则巡检 {county}（导入任务 {job_id}）",
        reason="建档立卡数据导入后巡检",
    )


def live_counts(region_code: str = "") -> dict[str, int]:
    """Open alerts per rule under a region (the catalogue's live hit counts)."""
    rows = (
        Alert.objects.filter(region_code__startswith=region_code, is_open=True)
        .values("rule_code")
        .annotate(n=Count("id"))
    )
    return {r["rule_code"]: r["n"] for r in rows}
