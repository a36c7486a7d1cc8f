"""A generated registry for the list plan tests and bench/read_lists.py: households with two
members each over the villages of the loaded counties, one 疑点 per household, an open case
and an alert for every fifth, all by SQL (INSERT … SELECT from generate_series) so tens of
thousands of rows take seconds. Rows are marked by their numbers (`G…`)."""

from __future__ import annotations

from typing import Any

from django.db import connection

# Varied two-character names: a family name from a short list, a given name from a CJK range.
NAME = (
    "substr('张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗', (1 + ({g} %% 20))::int, 1)"
    " || chr((19968 + (({g}::bigint * 7919) %% 5000))::int)"
)


def village_codes(prefix: str) -> list[str]:
    from fupin.regions.models import Level, Region

    villages = Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE)
    return list(villages.order_by("code").values_list("code", flat=True))


def generate(
    households: int, *, prefixes: list[str], tag: str = "G", statistics_target: int | None = None
) -> None:
    """`households` households spread over the villages under `prefixes` (the region tree must
    be loaded), with their members, 疑点, open cases and alerts; then ANALYZE. `tag` (one
    capital letter) starts the generated household numbers, so sets can be added one by one."""
    villages = [code for prefix in prefixes for code in village_codes(prefix)]
    if not villages:
        raise ValueError("no villages loaded under " + ", ".join(prefixes))
    v = "(%(villages)s::varchar[])[1 + (g %% %(nv)s)]"
    args: dict[str, Any] = {"villages": villages, "nv": len(villages), "n": households, "tag": tag}
    like = tag + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO registry_household (
                created_at, updated_at, version, village_id, region_code, county_code,
                household_no, head_name, phone, bank_name, bank_account, attribute, standard,
                identified_year, main_cause, other_causes, status, monitoring_category,
                monitoring_status, declared_size, is_relocated, is_military, helper_name,
                arable_land, irrigated_land, forest_land, grain_for_green_land, orchard_land,
                pasture_land, water_area, production_power, domestic_power, road_distance_km,
                road_surface, housing_area, housing_grade, housing_rebuilt, water_difficulty,
                water_safe, fuel, sanitary_toilet, cooperative_member)
            SELECT now(), now(), 1, {v}, {v}, substr({v}, 1, 6),
                %(tag)s || lpad(g::text, 9, '0'), {NAME.format(g="g")}, '', '', '', 'general', 'national',
                2016, 'illness', '{{}}', 'poor', '', '', 2, false, false, '',
                1, 0, 0, 0, 0, 0, 0, true, true, 1, 'hardened', 80, 'A', false, false,
                true, 'firewood', true, false
            FROM generate_series(1, %(n)s) g
            """,
            args,
        )
        cursor.execute(
            f"""
            INSERT INTO registry_member (
                created_at, updated_at, version, household_id, county_code, name, id_cipher,
                id_hash, id_masked, sex, birth_date, relation, ethnicity, political_status,
                education, schooling, health, labour, employment_tier, employment_months,
                insured_medical, insured_critical, insured_pension, insured_accident, is_dibao,
                is_tekun, joined_on, left_reason)
            SELECT now(), now(), 1, h.id, h.county_code,
                CASE WHEN r.k = 1 THEN h.head_name ELSE {NAME.format(g="(h.id + 3)")} END,
                '', 'G' || h.id || '-' || r.k, '', CASE WHEN r.k = 1 THEN '1' ELSE '2' END,
                DATE '1970-01-01' + (h.id %% 15000)::int, CASE WHEN r.k = 1 THEN '01' ELSE '10' END,
                '01', '13', '90', '', 'healthy', 'ordinary', '', 0, true, false, true, false,
                false, false, DATE '2016-01-01', ''
            FROM registry_household h, (VALUES (1), (2)) r(k)
            WHERE h.household_no LIKE %s
            """,
            [like],
        )
        cursor.execute(
            """
            INSERT INTO registry_doubt (household_id, county_code, region_code, rule_code,
                severity, message, found_at)
            SELECT id, county_code, region_code, 'R' || lpad((id %% 30)::text, 3, '0'),
                'warning', '生成的疑点', now()
            FROM registry_household WHERE household_no LIKE %s
            """,
            [like],
        )
        for kind in ("identification", "alert"):
            cursor.execute(
                """
                INSERT INTO workflows_case (created_at, updated_at, version, case_no, kind,
                    state, subject_level, region_id, region_code, county_code, year, title,
                    data, channel, override_reason, override_failures, is_open, state_since)
                SELECT now(), now(), 1, 'G' || %s || '-' || id, %s, 'applied', 'household',
                    region_code, region_code, county_code, 2025, '生成的办件', '{}', '', '',
                    '[]', true, now() - (id || ' seconds')::interval
                FROM registry_household WHERE household_no LIKE %s AND id %% 5 = 0
                """,
                [kind[0], kind, like],
            )
        cursor.execute(
            """
            INSERT INTO supervision_alert (case_id, rule_code, subject_type, subject_id,
                scope_id, subject_label, region_code, county_code, unit_code, severity,
                evidence, first_seen_at, last_seen_at, hit_count, is_open, escalation_level)
            SELECT c.id, 'G01', 'household', c.id, c.id, '生成的预警', c.region_code,
                c.county_code, c.county_code, 'medium', '{}', c.state_since, c.state_since, 1,
                true, 0
            FROM workflows_case c WHERE c.case_no LIKE 'Ga-%%'
              AND NOT EXISTS (SELECT 1 FROM supervision_alert a WHERE a.case_id = c.id)
            """,
            [],
        )
        if statistics_target:
            # ANALYZE samples 300 × target rows at random: a target covering every row makes
            # the statistics, and so the plans a test asserts, the same on every run.
            cursor.execute(f"SET LOCAL default_statistics_target = {int(statistics_target)}")
        for table in ("registry_household", "registry_member", "registry_doubt"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("ANALYZE workflows_case")
        cursor.execute("ANALYZE supervision_alert")
