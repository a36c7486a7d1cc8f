from django.db import migrations


class Migration(migrations.Migration):
    """Case and notice numbers come from one sequence, so no number is handed out twice
    even when two officials open cases at the same moment."""

    dependencies = [("workflows", "0001_cases_notices_samples")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS workflows_case_no_seq",
            "DROP SEQUENCE IF EXISTS workflows_case_no_seq",
        ),
    ]
