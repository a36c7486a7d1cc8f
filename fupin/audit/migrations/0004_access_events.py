from django.db import migrations, models

from fupin.audit import sql


class Migration(migrations.Migration):
    """Action 'R': someone saw or exported personal data in full, written only through the
    SQL function fupin_audit_access."""

    dependencies = [("audit", "0003_bulk_summary_by_key")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("I", "新增"),
                    ("U", "修改"),
                    ("D", "删除"),
                    ("B", "批量导入"),
                    ("R", "查看或导出完整个人信息"),
                ],
                max_length=1,
                verbose_name="操作",
            ),
        ),
        migrations.RunSQL(sql.ACCESS_FUNCTION, sql.DROP_ACCESS_FUNCTION),
    ]
