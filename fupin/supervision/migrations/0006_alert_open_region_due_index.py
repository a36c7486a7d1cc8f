# The overdue count of a jurisdiction's open alerts (selectors.counts): a date-driven
# count, not a rollup dimension.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0005_alert_list_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(("is_open", True)),
                fields=["region_code", "due_date"],
                name="alert_open_region_due",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ),
    ]
