"""Supervision rules on the registry (SPEC §7), run set-based by fupin.supervision.

Each SELECT returns one row per violating subject: subject_id, scope_id (the household, so
an edit of the household re-checks it), region_code, label, household_id, evidence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core import params
from fupin.core.rules import rule

REGISTERED = "('poor', 'returned', 'exited')"
FILTER = "h.region_code LIKE %(region)s AND (%(scope)s::bigint IS NULL OR h.id = %(scope)s::bigint)"
# An alert names its subject by the household number only: alert titles travel in lists,
# digests and messages to people who may not see names or health details (SPEC §10).
LABEL = "'户编号 ' || h.household_no"


def _lines(region_code: str, today: dt.date) -> dict[str, Any]:
    """The poverty line of every year up to this one, as two parallel arrays for SQL."""
    years = list(range(2013, today.year + 1))
    lines = params.get_years("registry.poverty_line", region_code=region_code, years=years)
    return {"years": years, "lines": [str(lines[y]) for y in years]}


def _school_ages(region_code: str, today: dt.date) -> dict[str, Any]:
    return {
        "age_from": int(params.get("registry.compulsory_school_age_from", region_code=region_code)),
        "age_to": int(params.get("registry.compulsory_school_age_to", region_code=region_code)),
    }


EXITED_BELOW_LINE = rule(
    "R101",
    "已脱贫户收入低于贫困标准",
    subject="household",
    scope="household",
    severity="high",
    responsible="village",
    level=5,
    description="已脱贫户最近一年人均纯收入低于当年贫困标准，存在返贫风险",
    computed=_lines,
    sql=f"""
    SELECT DISTINCT ON (h.id) h.id AS subject_id, h.id AS scope_id, h.region_code,
           {LABEL} AS label, h.id AS household_id,
           jsonb_build_object('年度', i.year, '人均纯收入', i.per_capita, '贫困标准', l.line)
               AS evidence
      FROM registry_household h
      JOIN registry_income i ON i.household_id = h.id
      JOIN unnest(%(years)s::int[], %(lines)s::numeric[]) AS l(year, line) ON l.year = i.year
     WHERE h.status = 'exited' AND {FILTER}
       AND i.year = (SELECT max(j.year) FROM registry_income j WHERE j.household_id = h.id)
       AND i.per_capita < l.line
     ORDER BY h.id
    """,
)

SCHOOL_DROPOUT = rule(
    "R102",
    "义务教育阶段适龄儿童失学辍学",
    subject="member",
    scope="household",
    severity="high",
    responsible="village",
    level=5,
    description="建档立卡户（含已脱贫户）中处于义务教育年龄、却为辍学或非在校的成员",
    computed=_school_ages,
    sql=f"""
    SELECT m.id AS subject_id, h.id AS scope_id, h.region_code,
           {LABEL} AS label, h.id AS household_id,
           jsonb_build_object(
               '年龄', date_part('year', age(%(today)s::date, m.birth_date))::int,
               '在校生状况', CASE m.schooling WHEN 'dropout' THEN '辍学' ELSE '非在校生' END)
               AS evidence
      FROM registry_member m JOIN registry_household h ON h.id = m.household_id
     WHERE m.left_on IS NULL AND m.schooling IN ('dropout', 'not_in_school')
       AND h.status IN {REGISTERED} AND {FILTER}
       AND m.birth_date <= %(today)s::date - make_interval(years => %(age_from)s)
       AND m.birth_date > %(today)s::date - make_interval(years => %(age_to)s + 1)
    """,
)

UNINSURED = rule(
    "R103",
    "家庭成员未参加基本医疗保险",
    subject="member",
    scope="household",
    severity="medium",
    responsible="village",
    level=5,
    description="建档立卡户（含已脱贫户）在册成员未参加城乡居民基本医疗保险",
    sql=f"""
    SELECT m.id AS subject_id, h.id AS scope_id, h.region_code,
           {LABEL} AS label, h.id AS household_id,
           jsonb_build_object('参加基本医疗保险', '否') AS evidence
      FROM registry_member m JOIN registry_household h ON h.id = m.household_id
     WHERE m.left_on IS NULL AND NOT m.insured_medical
       AND h.status IN {REGISTERED} AND {FILTER}
    """,
)

DANGEROUS_HOUSING = rule(
    "R104",
    "建档立卡户住房为危房",
    subject="household",
    scope="household",
    severity="high",
    responsible="township",
    level=4,
    description="未脱贫、返贫或已脱贫户住房安全等级为C级或D级且未改造",
    sql=f"""
    SELECT h.id AS subject_id, h.id AS scope_id, h.region_code, {LABEL} AS label,
           h.id AS household_id,
           jsonb_build_object('住房安全等级', h.housing_grade || '级', '已改造', '否') AS evidence
      FROM registry_household h
     WHERE h.housing_grade IN ('C', 'D') AND NOT h.housing_rebuilt
       AND h.status IN {REGISTERED} AND {FILTER}
    """,
)

NO_HELPER = rule(
    "R105",
    "贫困户未落实帮扶责任人",
    subject="household",
    scope="household",
    severity="medium",
    responsible="township",
    level=4,
    description="未脱贫或返贫户没有登记帮扶责任人",
    sql=f"""
    SELECT h.id AS subject_id, h.id AS scope_id, h.region_code, {LABEL} AS label,
           h.id AS household_id, jsonb_build_object('帮扶责任人', '未落实') AS evidence
      FROM registry_household h
     WHERE h.status IN ('poor', 'returned') AND h.helper_id IS NULL AND h.helper_name = ''
       AND {FILTER}
    """,
)

DOUBTS = rule(
    "R106",
    "逻辑校验存在错误级疑点",
    subject="household",
    scope="household",
    severity="low",
    responsible="village",
    level=5,
    description="疑点筛查发现错误级（须更正）的逻辑校验问题，数据须核实更正",
    sql=f"""
    SELECT h.id AS subject_id, h.id AS scope_id, h.region_code, {LABEL} AS label,
           h.id AS household_id,
           jsonb_build_object('疑点数', count(*), '规则', array_agg(DISTINCT d.rule_code))
               AS evidence
      FROM registry_doubt d JOIN registry_household h ON h.id = d.household_id
     WHERE d.severity = 'error' AND {FILTER}
     GROUP BY h.id
    """,
)
