from django.db import migrations

from fupin.audit import sql


class Migration(migrations.Migration):
    """Re-create the audit trigger function: a bulk INSERT's summary row takes the min/max of
    the key column directly (numeric order, no per-row jsonb conversion)."""

    dependencies = [("audit", "0002_audit_triggers")]

    operations = [migrations.RunSQL(sql.FUNCTIONS, migrations.RunSQL.noop)]
