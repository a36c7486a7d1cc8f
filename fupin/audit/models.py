"""The audit trail. Rows are written only by database triggers and functions (see sql.py)
and are append-only: a trigger refuses UPDATE, and DELETE of rows younger than the retention;
the application's database role holds no write privilege on these tables at all."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditBatch(models.Model):
    """One bulk operation (an import, a batch approval, a sweep) linking every row it touched."""

    kind = models.CharField("类型", max_length=50)
    description = models.CharField("说明", max_length=300, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("原因", max_length=500, blank=True, default="")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    row_count = models.PositiveIntegerField("涉及行数", default=0)

    class Meta:
        verbose_name = "批量操作"

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Action(models.TextChoices):
    INSERT = "I", "新增"
    UPDATE = "U", "修改"
    DELETE = "D", "删除"
    BULK_INSERT = "B", "批量导入"
    ACCESS = "R", "查看或导出完整个人信息"


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", db_index=True)
    table_name = models.CharField("数据表", max_length=100)
    object_pk = models.CharField("记录主键", max_length=64, null=True, blank=True)
    action = models.CharField("操作", max_length=1, choices=Action.choices)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    reason = models.TextField("原因", blank=True, default="")
    batch_id = models.BigIntegerField("批次", null=True, blank=True, db_index=True)
    txid = models.BigIntegerField("事务号")
    old = models.JSONField("原值", null=True, blank=True)
    new = models.JSONField("新值", null=True, blank=True)
    # SHA-256 of the row's canonical text (sql.EVENT_FIELDS), set by the trigger.
    hash = models.BinaryField("校验值", null=True, editable=False)

    class Meta:
        verbose_name = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["table_name", "object_pk", "at"], name="audit_subject"),
            models.Index(fields=["txid", "id"], name="audit_txid"),
        ]

    def __str__(self) -> str:
        return f"{self.table_name}:{self.object_pk} {self.action}"


class AuditLink(models.Model):
    """One link of the hash chain: the events one transaction wrote, appended at its commit
    (sql.fupin_audit_link). `hash` covers `prev`, so changing any linked event, or any
    earlier link, breaks every later link."""

    txid = models.BigIntegerField("事务号")
    first_id = models.BigIntegerField("首条记录")
    last_id = models.BigIntegerField("末条记录")
    n = models.IntegerField("记录数")
    digest = models.BinaryField("记录校验值")
    at = models.DateTimeField("提交时间")
    prev = models.BinaryField("上一环校验值")
    hash = models.BinaryField("本环校验值")

    class Meta:
        verbose_name = "审计校验链"
        indexes = [models.Index(fields=["txid"], name="audit_link_txid")]

    def __str__(self) -> str:
        return f"link #{self.pk} tx {self.txid}"
