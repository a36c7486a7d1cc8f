from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS region_name_trgm ON regions_region USING gin (name gin_trgm_ops);",
            "DROP INDEX IF EXISTS region_name_trgm;",
        ),
    ]
