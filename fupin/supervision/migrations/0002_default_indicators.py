"""Seed the default traffic-light indicators (亮灯预警指标); reversible."""

from typing import Any

from django.db import migrations

DEFAULT_INDICATORS = [
    # code, name, unit, higher_is_better
    ("poverty_reduction", "季度减贫人数", "人", True),
    ("fund_spending", "扶贫资金支出进度", "%", True),
    ("alert_closure", "预警按期销号率", "%", True),
    ("visit_completion", "帮扶走访完成率", "%", True),
    ("new_return_poverty", "新增返贫致贫人数", "人", False),
]


def seed(apps: Any, schema_editor: Any) -> None:
    Indicator = apps.get_model("supervision", "Indicator")
    for code, name, unit, higher in DEFAULT_INDICATORS:
        Indicator.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "higher_is_better": higher}
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    Indicator = apps.get_model("supervision", "Indicator")
    QuarterTarget = apps.get_model("supervision", "QuarterTarget")
    codes = [row[0] for row in DEFAULT_INDICATORS]
    used = set(
        QuarterTarget.objects.filter(indicator_id__in=codes).values_list("indicator_id", flat=True)
    )
    Indicator.objects.filter(code__in=[c for c in codes if c not in used]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_alerts_inspections_lights_accountability_messages"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
