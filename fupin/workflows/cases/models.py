"""Cases (办件), their transitions (the timeline) and documents (SPEC §3).

A case's `state` changes only through `fupin.workflows.engine.transition`, which checks the
case type's transition table, locks the row and writes a `Transition` row in the same
transaction; the audit triggers record every row change besides.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fupin.core.models import BaseModel


class SubjectLevel(models.TextChoices):
    HOUSEHOLD = "household", "农户"
    VILLAGE = "village", "村"
    COUNTY = "county", "县"


class Case(BaseModel):
    """One piece of work about one subject, moving through its type's states.

    `region_code` is the subject's region (the household's or subject village's 12-digit code,
    or the county's 6-digit code): every jurisdiction check is a prefix test on it."""

    case_no = models.CharField("办件编号", max_length=40, unique=True)
    kind = models.CharField("办件类型", max_length=30)
    state = models.CharField("当前环节", max_length=30)
    subject_level = models.CharField("对象层级", max_length=10, choices=SubjectLevel.choices)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=200)
    data = models.JSONField("办件内容", default=dict, blank=True)
    channel = models.CharField("来源渠道", max_length=20, blank=True, default="")
    # A failing exit criterion may be overridden by an authorised user with a reason.
    override_reason = models.CharField("未达标放行理由", max_length=500, blank=True, default="")
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="放行人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_at = models.DateTimeField("放行时间", null=True, blank=True)
    override_failures = models.JSONField("放行时未达标项", default=list, blank=True)
    is_open = models.BooleanField("办理中", default=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    state_since = models.DateTimeField("进入当前环节时间", auto_now_add=True)

    class Meta:
        verbose_name = "办件"
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["region_code", "kind", "state"],
                name="case_region_kind_state",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["county_code", "is_open"], name="case_county_open"),
            models.Index(fields=["household", "kind"], name="case_household_kind"),
        ]
        constraints = [
            # One open case of a kind per household: two identification or exit cases of the
            # same household at once would contradict each other.
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(is_open=True, household__isnull=False),
                name="case_one_open_per_household_kind",
            ),
            models.UniqueConstraint(
                fields=["region", "kind"],
                condition=Q(is_open=True, subject_level__in=["village", "county"]),
                name="case_one_open_per_region_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_no} {self.title}"


class Transition(models.Model):
    """One step of a case (the timeline). Append-only; written only by the engine."""

    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="transitions"
    )
    name = models.CharField("操作", max_length=40)
    label = models.CharField("操作名称", max_length=60)
    from_state = models.CharField("原环节", max_length=30)
    to_state = models.CharField("新环节", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("办理人姓名", max_length=150, blank=True, default="")
    role_name = models.CharField("办理角色", max_length=100, blank=True, default="")
    region_name = models.CharField("办理单位", max_length=100, blank=True, default="")
    comment = models.TextField("意见", blank=True, default="")
    data = models.JSONField("附加信息", default=dict, blank=True)
    batch_id = models.BigIntegerField("审计批次", null=True, blank=True)
    at = models.DateTimeField("办理时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理记录"
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.label}"


def document_upload_to(instance: CaseDocument, filename: str) -> str:
    return f"workflows/{instance.case.county_code}/{instance.case_id}/{filename}"


class DocumentKind(models.TextChoices):
    APPLICATION = "application", "申请书"
    MINUTES = "minutes", "评议记录"
    VERIFICATION = "verification", "入户核实表"
    CONSENT = "consent", "农户签字确认书"
    EVIDENCE = "evidence", "证明材料"
    REPORT = "report", "核查报告"
    OTHER = "other", "其他"


class CaseDocument(BaseModel):
    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField("材料类型", max_length=20, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to=document_upload_to)
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    note = models.CharField("说明", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "办件材料"
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return self.name
