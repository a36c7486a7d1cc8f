"""The inbox (站内消息): one row per message and recipient, with the record of the SMS sent
for it. The table was `supervision_message` until the inbox became this platform app
(migrations supervision 0003 / notifications 0001 renamed it, keeping every row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Message(models.Model):
    """An in-app inbox message (and the record of an SMS sent for it)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="messages",
    )
    kind = models.CharField("类型", max_length=30)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True, default="")
    link = models.CharField("链接", max_length=300, blank=True, default="")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    sms_sent_at = models.DateTimeField("短信发送时间", null=True, blank=True)
    dedupe_key = models.CharField("去重键", max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="message_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="message_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return self.title
