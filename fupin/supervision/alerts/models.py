"""Alerts (SPEC §7): 建档 → 跟进 → 预警 → 督办 → 整改 → 销号.

An alert is a workflow case (kind "alert", see flows.py) plus an `Alert` row naming the rule,
the subject and the evidence: one open alert per (rule, subject) — repeated hits merge into it
(`hit_count`, `last_seen_at`), a cleared condition is recorded (`cleared_at`). Its life
(督办 notice, rectification, verification, 销号, escalation) moves through the engine, so it has
a timeline, locking and audit like every case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fupin.core.models import BaseModel


class Severity(models.TextChoices):
    HIGH = "high", "红色（严重）"
    MEDIUM = "medium", "橙色（较重）"
    LOW = "low", "黄色（一般）"


class Alert(models.Model):
    case = models.OneToOneField(
        "workflows.Case", verbose_name="办件", on_delete=models.CASCADE, related_name="alert"
    )
    rule_code = models.CharField("规则", max_length=20)
    subject_type = models.CharField("对象类型", max_length=20)
    subject_id = models.BigIntegerField("对象ID")
    # The record whose change re-checks this alert: the household for household and member
    # rules, the case for case rules (see rules.Rule.scope).
    scope_id = models.BigIntegerField("关联记录ID")
    subject_label = models.CharField("对象", max_length=200)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    region_code = models.CharField("区划代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    unit_code = models.CharField("责任单位区划", max_length=12)
    severity = models.CharField("级别", max_length=10, choices=Severity.choices)
    evidence = models.JSONField("触发依据", default=dict)
    first_seen_at = models.DateTimeField("首次发现", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近发现", auto_now_add=True)
    hit_count = models.PositiveIntegerField("发现次数", default=1)
    cleared_at = models.DateTimeField("条件消除时间", null=True, blank=True)
    is_open = models.BooleanField("未销号", default=True)
    due_date = models.DateField("整改期限", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("升级次数", default=0)
    escalated_at = models.DateTimeField("最近升级时间", null=True, blank=True)

    class Meta:
        verbose_name = "预警"
        ordering = ["-first_seen_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_code", "rule_code"],
                name="alert_region_rule",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["county_code", "is_open"], name="alert_county_open"),
            models.Index(fields=["rule_code", "scope_id"], name="alert_rule_scope"),
            models.Index(fields=["due_date"], name="alert_due", condition=Q(is_open=True)),
            # The overdue count of a jurisdiction (not a rollup dimension: it moves with the date).
            models.Index(
                fields=["region_code", "due_date"],
                name="alert_open_region_due",
                condition=Q(is_open=True),
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "subject_type", "subject_id"],
                condition=Q(is_open=True),
                name="alert_one_open_per_rule_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.subject_label}"


class SupervisionNotice(BaseModel):
    """督办通知书: a numbered document with a deadline, printable as PDF and Word."""

    alert = models.ForeignKey(
        Alert, verbose_name="预警", on_delete=models.CASCADE, related_name="notices"
    )
    notice_no = models.CharField("文号", max_length=60, unique=True)
    issuer_code = models.CharField("督办单位区划", max_length=12)
    issuer_name = models.CharField("督办单位", max_length=100)
    unit_code = models.CharField("责任单位区划", max_length=12)
    unit_name = models.CharField("责任单位", max_length=100)
    content = models.TextField("督办事项")
    requirement = models.TextField("整改要求", blank=True, default="")
    deadline = models.DateField("整改期限")
    issued_on = models.DateField("签发日期")

    class Meta:
        verbose_name = "督办通知"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.notice_no


class Rectification(BaseModel):
    """整改情况: what the responsible unit did, with evidence; verified by the issuing level."""

    class Result(models.TextChoices):
        PENDING = "", "待核验"
        ACCEPTED = "accepted", "核验通过"
        RETURNED = "returned", "退回重新整改"

    alert = models.ForeignKey(
        Alert, verbose_name="预警", on_delete=models.CASCADE, related_name="rectifications"
    )
    content = models.TextField("整改情况")
    result = models.CharField(
        "核验结果", max_length=10, choices=Result.choices, blank=True, default=""
    )
    verification = models.TextField("核验意见", blank=True, default="")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改情况"
        ordering = ["alert", "created_at"]

    def __str__(self) -> str:
        return f"整改 {self.pk}"


def evidence_upload_to(instance: RectificationFile, filename: str) -> str:
    return f"supervision/{instance.rectification.alert.county_code}/{filename}"


class RectificationFile(BaseModel):
    rectification = models.ForeignKey(
        Rectification, verbose_name="整改情况", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to=evidence_upload_to)
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小", default=0)
    is_photo = models.BooleanField("照片", default=False)

    class Meta:
        verbose_name = "整改佐证材料"

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """An overdue rectification escalated to the next level up (counted per unit)."""

    alert = models.ForeignKey(
        Alert, verbose_name="预警", on_delete=models.CASCADE, related_name="escalations"
    )
    from_code = models.CharField("原督办单位", max_length=12)
    to_code = models.CharField("升级至", max_length=12)
    overdue_days = models.PositiveIntegerField("逾期天数")
    at = models.DateTimeField("升级时间", auto_now_add=True)

    class Meta:
        verbose_name = "逾期升级"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.to_code}"
