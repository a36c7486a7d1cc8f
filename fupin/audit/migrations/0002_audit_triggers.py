from django.db import migrations

from fupin.audit import sql


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(sql.FUNCTIONS, sql.DROP_FUNCTIONS),
        migrations.RunSQL(sql.APPEND_ONLY, sql.DROP_APPEND_ONLY),
    ]
