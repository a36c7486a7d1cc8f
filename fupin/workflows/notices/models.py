"""Public notices (公示/公告), their entries and objections (异议) (SPEC §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fupin.core.models import BaseModel
from fupin.workflows.cases.models import Case


class NoticeLevel(models.TextChoices):
    VILLAGE = "village", "村内公示"
    TOWNSHIP = "township", "乡镇公示"
    COUNTY = "county", "县级公告"
    CITY = "city", "市级公示"
    PROVINCE = "province", "省级公告"


class NoticeStatus(models.TextChoices):
    ACTIVE = "active", "公示中"
    ENDED = "ended", "公示期满"
    WITHDRAWN = "withdrawn", "已撤回"


class Notice(BaseModel):
    """A published list (公示/公告) at a place for a period. Cases join it through entries.

    The period is [start_date, end_date], both days included: with 7 days starting on day 1,
    day 7 is the last day and the next step may act from day 8."""

    notice_no = models.CharField("公示编号", max_length=40, unique=True)
    kind = models.CharField("办件类型", max_length=30)
    stage = models.CharField("公示环节", max_length=30)
    level = models.CharField("公示层级", max_length=10, choices=NoticeLevel.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name="公示地点", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("公示说明", blank=True, default="")
    contact = models.CharField("监督电话/联系人", max_length=100, blank=True, default="")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("截止日期")
    status = models.CharField(
        "状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.ACTIVE
    )
    outcome = models.CharField("公示结果", max_length=500, blank=True, default="")

    class Meta:
        verbose_name = "公示公告"
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(
                fields=["region_code", "status"],
                name="notice_region_status",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="notice_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_no} {self.title}"


class NoticeEntry(models.Model):
    """One case on a notice, with the masked line published (SPEC §10) frozen at publication."""

    notice = models.ForeignKey(
        Notice, verbose_name="公示", on_delete=models.CASCADE, related_name="entries"
    )
    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="notice_entries"
    )
    published = models.JSONField("公示内容（已脱敏）", default=dict)
    withdrawn = models.BooleanField("已撤出公示", default=False)
    withdrawn_reason = models.CharField("撤出原因", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "公示名单条目"
        ordering = ["notice", "id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "case"], name="notice_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.case_id}"


class ObjectionSource(models.TextChoices):
    PUBLIC = "public", "群众（公开页面）"
    STAFF = "staff", "工作人员登记"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    UPHELD = "upheld", "异议成立"
    DISMISSED = "dismissed", "异议不成立"


class Objection(BaseModel):
    """An objection to a notice entry. Receiving one sends the case back to verification; the
    verification records the finding."""

    notice = models.ForeignKey(
        Notice, verbose_name="公示", on_delete=models.CASCADE, related_name="objections"
    )
    entry = models.ForeignKey(
        NoticeEntry,
        verbose_name="针对条目",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objections",
    )
    case = models.ForeignKey(
        Case,
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objections",
    )
    county_code = models.CharField("县代码", max_length=6)
    source = models.CharField("来源", max_length=10, choices=ObjectionSource.choices)
    name = models.CharField("异议人", max_length=50, blank=True, default="")
    phone = models.CharField("联系电话", max_length=20, blank=True, default="")
    content = models.TextField("异议内容")
    status = models.CharField(
        "处理状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    resolution = models.TextField("核实结论", blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField("核实时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"异议 {self.pk}"
