"""Supervision (SPEC §7): 建档 → 跟进 → 预警 → 督办 → 整改 → 销号.

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


# --- inspections (督查巡查) ----------------------------------------------------------------------


class InspectionGroup(BaseModel):
    name = models.CharField("督查组", max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name="组建单位区划", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    leader_name = models.CharField("组长", max_length=50)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="成员", related_name="inspection_groups", blank=True
    )
    member_names = models.CharField("成员（姓名）", max_length=500, blank=True, default="")

    class Meta:
        verbose_name = "督查组"
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name


class InspectionPlan(BaseModel):
    class Frequency(models.TextChoices):
        ONCE = "once", "一次性"
        HALF_MONTH = "half_month", "每半月"
        MONTH = "month", "每月"
        QUARTER = "quarter", "每季度"

    group = models.ForeignKey(
        InspectionGroup, verbose_name="督查组", on_delete=models.CASCADE, related_name="plans"
    )
    region_code = models.CharField("区划代码", max_length=12)
    title = models.CharField("计划名称", max_length=200)
    frequency = models.CharField("频次", max_length=12, choices=Frequency.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    targets = models.ManyToManyField(
        "regions.Region", verbose_name="督查对象区划", related_name="+", blank=True
    )
    focus = models.TextField("督查重点", blank=True, default="")

    class Meta:
        verbose_name = "督查计划"
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.title


class InspectionVisit(BaseModel):
    plan = models.ForeignKey(
        InspectionPlan, verbose_name="督查计划", on_delete=models.CASCADE, related_name="visits"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="督查地点", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    visited_on = models.DateField("督查日期")
    summary = models.TextField("督查情况", blank=True, default="")

    class Meta:
        verbose_name = "督查记录"
        ordering = ["-visited_on"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.visited_on}"


class Finding(BaseModel):
    """A problem found on a visit; it becomes an alert (rule "INSPECT") with a deadline."""

    visit = models.ForeignKey(
        InspectionVisit, verbose_name="督查记录", on_delete=models.CASCADE, related_name="findings"
    )
    region_code = models.CharField("区划代码", max_length=12)
    description = models.TextField("发现问题")
    deadline = models.DateField("整改期限")
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="涉及农户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    alert = models.OneToOneField(
        Alert,
        verbose_name="转办预警",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finding",
    )

    class Meta:
        verbose_name = "督查发现问题"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.description[:30]


# --- traffic lights (亮灯预警) -------------------------------------------------------------------


class Light(models.TextChoices):
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"


class Indicator(models.Model):
    """A target-bearing indicator (e.g. 季度减贫人数, 资金支出进度 %, 预警按期销号率 %)."""

    code = models.CharField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=100)
    unit = models.CharField("单位", max_length=20, blank=True, default="")
    higher_is_better = models.BooleanField("越高越好", default=True)

    class Meta:
        verbose_name = "考核指标"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class QuarterTarget(BaseModel):
    """The target and the actual value of one unit for one indicator in one quarter; the
    light is computed by services.compute_lights (green / yellow / red)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="单位（区划）", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    target = models.DecimalField("目标值", max_digits=14, decimal_places=2)
    annual_target = models.DecimalField(
        "年度目标", max_digits=14, decimal_places=2, null=True, blank=True
    )
    actual = models.DecimalField("完成值", max_digits=14, decimal_places=2, null=True, blank=True)
    light = models.CharField("亮灯", max_length=10, choices=Light.choices, blank=True, default="")

    class Meta:
        verbose_name = "季度目标"
        ordering = ["region_code", "indicator", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year", "quarter"], name="quarter_target_unique"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_target_quarter_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.indicator_id} {self.year}Q{self.quarter}"


class ReminderInterview(BaseModel):
    """提醒谈话 after a yellow light."""

    target = models.ForeignKey(
        QuarterTarget, verbose_name="季度目标", on_delete=models.CASCADE, related_name="interviews"
    )
    held_on = models.DateField("谈话日期")
    interviewer = models.CharField("谈话人", max_length=100)
    interviewee = models.CharField("谈话对象", max_length=100)
    notes = models.TextField("谈话记录")

    class Meta:
        verbose_name = "提醒谈话"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.interviewee} {self.held_on}"


# --- accountability (问责) ------------------------------------------------------------------------


class AccountabilityKind(models.TextChoices):
    CRITICISM = "criticism", "通报批评"
    SELF_CRITICISM = "self_criticism", "书面检讨"
    TALK = "talk", "约谈"
    ADMONISH = "admonish", "诫勉谈话"
    PARTY_WARNING = "party_warning", "党内警告"
    RECALL = "recall", "召回"
    DISMISS = "dismiss", "免职"
    DEMOTE = "demote", "降职"


class Accountability(BaseModel):
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    kind = models.CharField("问责方式", max_length=20, choices=AccountabilityKind.choices)
    subject_is_unit = models.BooleanField("对象为单位", default=False)
    subject_name = models.CharField("问责对象", max_length=100)
    subject_title = models.CharField("职务", max_length=100, blank=True, default="")
    reason = models.TextField("问责事由")
    decided_on = models.DateField("决定日期")
    deciding_body = models.CharField("决定机关", max_length=100)
    alerts = models.ManyToManyField(Alert, verbose_name="关联预警", related_name="+", blank=True)
    findings = models.ManyToManyField(
        Finding, verbose_name="关联督查问题", related_name="+", blank=True
    )

    class Meta:
        verbose_name = "问责记录"
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.get_kind_display()}"
