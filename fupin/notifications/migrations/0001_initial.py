"""Message, moved here from the supervision app: state only — supervision 0003 renamed its
table to `notifications_message` (a fresh database creates it in supervision 0001 and renames
it the same way). The content type follows the model, so nothing points at a stale one."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(
    apps: Any, schema_editor: Any, old: str = "supervision", new: str = "notifications"
) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="message").exists():
        ContentType.objects.using(db).filter(app_label=old, model="message").update(app_label=new)


def restore_content_type(apps: Any, schema_editor: Any) -> None:
    move_content_type(apps, schema_editor, old="notifications", new="supervision")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("supervision", "0003_message_moves_to_notifications"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Message",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=30, verbose_name="类型")),
                        ("title", models.CharField(max_length=200, verbose_name="标题")),
                        ("body", models.TextField(blank=True, default="", verbose_name="内容")),
                        (
                            "link",
                            models.CharField(
                                blank=True, default="", max_length=300, verbose_name="链接"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="时间"),
                        ),
                        (
                            "read_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="已读时间"),
                        ),
                        (
                            "sms_sent_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="短信发送时间"
                            ),
                        ),
                        (
                            "dedupe_key",
                            models.CharField(
                                blank=True, default="", max_length=100, verbose_name="去重键"
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="messages",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="收件人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "站内消息",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["recipient", "read_at"], name="message_inbox")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("dedupe_key", ""), _negated=True),
                                fields=("recipient", "dedupe_key"),
                                name="message_dedupe",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
