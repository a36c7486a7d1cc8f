"""The alert list's index (issue 13): the jurisdiction prefix and the keyset order, newest
first (fupin.core.api.keyset). Built CONCURRENTLY, outside a transaction."""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("supervision", "0004_alert_titles_without_names")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS alert_region_seen ON supervision_alert"
            " (region_code varchar_pattern_ops, first_seen_at DESC, id DESC)",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS alert_region_seen",
        )
    ]
