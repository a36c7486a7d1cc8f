"""Indexes of the registry's lists (issue 13): the export's order, the 疑点 list's keyset, the
import-job list's, and trigram indexes for the name search (head and member names, `LIKE 'x%'`
and `'%x%'`). pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner, whose role
runs migrations, may create it. Built CONCURRENTLY (outside a transaction) so a deployment's
registry keeps taking writes while they build."""

from django.db import migrations

INDEXES = [
    (
        "household_region_number",
        "registry_household (region_code varchar_pattern_ops, household_no varchar_pattern_ops)",
    ),
    ("household_head_name_trgm", "registry_household USING gin (head_name gin_trgm_ops)"),
    ("member_name_trgm", "registry_member USING gin (name gin_trgm_ops)"),
    (
        "doubt_region_household",
        "registry_doubt (region_code varchar_pattern_ops, household_id, id)",
    ),
    (
        "import_region_created",
        "registry_importjob (region_code varchar_pattern_ops, created_at DESC, id DESC)",
    ),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0008_export_record")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            reverse_sql=migrations.RunSQL.noop,
        ),
        *[
            migrations.RunSQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}",
                reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, target in INDEXES
        ],
    ]
