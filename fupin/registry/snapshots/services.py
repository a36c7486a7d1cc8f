"""Freezing the registry by year (年度数据, SPEC §2 "Snapshots").

`snapshot_year` copies every household of a subtree, as it stood at the end of `year`, into
registry_householdsnapshot in one set-based INSERT … SELECT. A frozen year never changes:
a second freeze only adds households that were missing (ON CONFLICT DO NOTHING). Replacing a
frozen year is an explicit, audited administrator action (`replace=True` with a reason).

"As at the end of the year":
- a household identified after `year` is not in the snapshot;
- one exited in `year` or earlier counts as 已脱贫 with its exit year; one exited later (or
  still poor) as 未脱贫; 返贫 / 已清退 / 自然减少 keep their current status (the registry holds
  no dated history of those transitions);
- members count when joined_on is empty or ≤ 31 Dec and left_on is empty or after 31 Dec;
- per_capita is that year's Income row (empty when there is none).
"""

from __future__ import annotations

from django.db import connection, transaction

from fupin.audit.services import batch_finish, batch_start
from fupin.core import stats
from fupin.core.access import Actor
from fupin.core.errors import ValidationFailed
from fupin.regions.models import Region
from fupin.registry import codes, figures
from fupin.registry.models import HouseholdSnapshot
from fupin.registry.services import require_write

MIN_YEAR, MAX_YEAR = 2013, 2100

# Member order inside a household: head first, then by relation, then by age.
_RELATION_ORDER = [
    "head",
    "spouse",
    "father",
    "mother",
    "son",
    "daughter",
    "daughter_in_law",
    "son_in_law",
    "grandson",
    "granddaughter",
    "sibling",
    "other",
]

# The income document of a snapshot: the year's size, every part and the generated totals.
INCOME_DOC = ", ".join(
    f"'{name}', i.{name}"
    for name in ("year", "size", *codes.INCOME_FIELDS, "transfer_total", "net_total", "per_capita")
)

SNAPSHOT_SQL = """
WITH years AS (SELECT unnest(%(years)s::int[]) AS year),
hh AS MATERIALIZED (
    SELECT h.id, h.county_code, h.region_code, h.household_no, h.head_name, h.status,
           h.attribute, h.main_cause, h.exit_year, h.identified_year,
           jsonb_strip_nulls(to_jsonb(h) - '{{id,village_id,region_code,county_code,household_no,head_name,status,exit_year,attribute,main_cause,phone,bank_account,created_by_id,updated_by_id,created_at,updated_at,import_batch_id,version,helper_id}}'::text[])
           || jsonb_build_object(
                  'phone_masked', CASE WHEN length(h.phone) >= 7
                      THEN left(h.phone, 3) || repeat('*', length(h.phone) - 7)
                           || right(h.phone, 4) ELSE '' END,
                  'bank_account_masked', CASE WHEN length(h.bank_account) > 4
                      THEN repeat('*', length(h.bank_account) - 4)
                           || right(h.bank_account, 4) ELSE '' END) AS doc
      FROM registry_household h
     WHERE h.region_code LIKE %(prefix)s {county_filter}
       AND h.identified_year <= %(last_year)s
),
mem AS MATERIALIZED (
    SELECT x.household_id, x.joined_on, x.left_on,
           array_position(%(relations)s::text[], x.relation::text) AS rank, x.birth_date, x.id,
           jsonb_build_object(
               'name', x.name, 'id_masked', x.id_masked, 'relation', x.relation,
               'sex', x.sex, 'birth_date', x.birth_date, 'health', x.health,
               'disability_grade', x.disability_grade, 'schooling', x.schooling,
               'labour', x.labour, 'insured_medical', x.insured_medical,
               'insured_critical', x.insured_critical, 'insured_pension', x.insured_pension,
               'insured_accident', x.insured_accident, 'is_dibao', x.is_dibao,
               'is_tekun', x.is_tekun) AS doc
      FROM registry_member x JOIN hh ON hh.id = x.household_id
),
per_year AS (
    SELECT y.year, m.household_id, count(*) AS n,
           jsonb_agg(m.doc ORDER BY m.rank, m.birth_date, m.id) AS members
      FROM years y
      JOIN mem m ON (m.joined_on IS NULL OR m.joined_on <= make_date(y.year, 12, 31))
                AND (m.left_on IS NULL OR m.left_on > make_date(y.year, 12, 31))
     GROUP BY y.year, m.household_id
),
ins AS (
INSERT INTO registry_householdsnapshot
    (year, household_id, county_code, region_code, household_no, head_name, status, attribute,
     main_cause, exit_year, size, per_capita, data, taken_at)
SELECT y.year, h.id, h.county_code, h.region_code, h.household_no, h.head_name,
       CASE WHEN h.exit_year IS NOT NULL AND h.exit_year <= y.year THEN 'exited'
            WHEN h.status IN ('poor', 'exited') THEN 'poor'
            ELSE h.status END,
       h.attribute, h.main_cause,
       CASE WHEN h.exit_year <= y.year THEN h.exit_year END,
       coalesce(p.n, 0), i.per_capita,
       jsonb_build_object(
           'household', h.doc,
           'members', coalesce(p.members, '[]'::jsonb),
           'income', CASE WHEN i.id IS NULL THEN NULL ELSE jsonb_build_object({income_doc}) END),
       now()
  FROM years y
  JOIN hh h ON h.identified_year <= y.year
  LEFT JOIN per_year p ON p.year = y.year AND p.household_id = h.id
  LEFT JOIN registry_income i ON i.household_id = h.id AND i.year = y.year
ON CONFLICT (year, household_id) DO NOTHING
RETURNING year, county_code, region_code, status, attribute, main_cause, exit_year, size,
          per_capita, taken_at
){rollups}
SELECT count(*) FROM ins
"""


def _lines(region_code: str, years: list[int]) -> dict[str, str]:
    """The poverty lines the income-band rollup needs: every county of the subtree × year."""
    county = region_code[:6]
    counties = (
        [county]
        if len(region_code) >= 6
        else list(
            Region.objects.filter(level=3, code__startswith=region_code).values_list(
                "code", flat=True
            )
        )
    )
    return figures.poverty_lines([(c, y) for c in counties for y in years])


def _check(year: int, region_code: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间", errors={"year": ["年度无效"]}
        )
    if region_code and (not region_code.isdigit() or len(region_code) not in (2, 4, 6, 9, 12)):
        raise ValidationFailed(f"区划代码“{region_code}”无效", errors={"region": ["区划代码无效"]})


def snapshot_year(
    *,
    year: int,
    region_code: str = "",
    actor: Actor | None = None,
    replace: bool = False,
    reason: str = "",
) -> int:
    """Freeze the households of `region_code`'s subtree as at 31 Dec `year`; returns the
    number of snapshot rows written. `actor=None` is the system (management command)."""
    return snapshot_years(
        years=[year], region_code=region_code, actor=actor, replace=replace, reason=reason
    )


@transaction.atomic
def snapshot_years(
    *,
    years: list[int],
    region_code: str = "",
    actor: Actor | None = None,
    replace: bool = False,
    reason: str = "",
) -> int:
    """Freeze several years in one statement (each household's and member's document is
    built once for all of them): the demo loader freezes its years this way."""
    if not years:
        return 0
    for year in years:
        _check(year, region_code)
    label = f"{min(years)}–{max(years)}" if len(years) > 1 else str(years[0])
    if actor is not None:
        require_write(actor, region_code)
    if replace and not reason.strip():
        raise ValidationFailed("重新冻结年度数据须说明原因", errors={"reason": ["请填写原因"]})
    system = Actor(user_id=None, username="snapshot_year", grants=())
    batch = batch_start(
        actor=actor or system,
        kind="registry.snapshot_replace" if replace else "registry.snapshot",
        description=f"{label}年度数据 {region_code or '全部'}",
        reason=reason.strip() or f"冻结{label}年度数据",
    )
    prefix = region_code.replace("\\", "").replace("%", "").replace("_", "") + "%"
    # A county (or deeper) prefix also narrows the partition key.
    county_filter = "AND h.county_code = %(county)s" if len(region_code) >= 6 else ""
    # The rollups of the rows written, in the same statement: each figure's delta over
    # `ins` (a replaced year is recomputed for the subtree instead, below).
    rollups = "".join(
        f",\nroll_{i} AS ({stats.delta_sql(f.name, new='ins')})"
        for i, f in enumerate(figures.SNAPSHOT_FIGURES)
        if not replace
    )
    sql = SNAPSHOT_SQL.format(county_filter=county_filter, income_doc=INCOME_DOC, rollups=rollups)
    with connection.cursor() as cursor:
        # Room for the per-year member sort in memory (a batch job, transaction-local).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        if replace:
            HouseholdSnapshot.objects.filter(
                year__in=years, region_code__startswith=region_code
            ).delete()
        cursor.execute(
            sql,
            {
                "years": sorted(set(years)),
                "last_year": max(years),
                "prefix": prefix,
                "county": region_code[:6],
                "relations": _RELATION_ORDER,
                **_lines(region_code, years),
            },
        )
        row = cursor.fetchone()
        written = int(row[0]) if row else 0
    if replace:
        for fig in figures.SNAPSHOT_FIGURES:
            stats.refresh(fig.name, region_code=region_code, periods=sorted(set(years)))
    batch_finish(batch, written)
    return written
