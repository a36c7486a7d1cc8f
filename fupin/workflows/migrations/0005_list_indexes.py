"""Indexes of the case and notice lists (issue 13): each serves its list's jurisdiction prefix
and keyset order (fupin.core.api.keyset). Built CONCURRENTLY, outside a transaction."""

from django.db import migrations

INDEXES = [
    (
        "case_open_region_stage",
        "workflows_case (region_code varchar_pattern_ops, state_since, id) WHERE is_open",
    ),
    (
        "case_region_stage",
        "workflows_case (region_code varchar_pattern_ops, state_since, id)",
    ),
    (
        "notice_region_start",
        "workflows_notice (region_code varchar_pattern_ops, start_date DESC, id DESC)",
    ),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("workflows", "0004_new_member_id_sealed")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
