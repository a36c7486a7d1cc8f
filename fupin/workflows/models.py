"""Cases (办件), their transitions, documents, public notices (公示/公告) and objections
(异议), verification samples and survey records (SPEC §3).

A case's `state` changes only through `fupin.workflows.engine.transition`, which checks the
case type's transition table, locks the row and writes a `Transition` row (the timeline) in
the same transaction; the audit triggers record every row change besides.
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


class Sample(BaseModel):
    """A reproducible random sample of households for third-party checks (第三方评估抽样).

    The seed, the population definition and the drawn ids are recorded: drawing again with
    the same seed over the same population gives the same households."""

    class Purpose(models.TextChoices):
        EXITED = "exited", "已脱贫户抽查（错退）"
        NON_POOR = "non_poor", "一般农户抽查（漏评）"
        ALL = "all", "建档立卡户抽查（精准度）"

    region = models.ForeignKey(
        "regions.Region", verbose_name="抽样范围", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    purpose = models.CharField("抽样目的", max_length=10, choices=Purpose.choices)
    seed = models.BigIntegerField("随机种子")
    size = models.PositiveIntegerField("样本量")
    population = models.PositiveIntegerField("总体数量")
    note = models.CharField("说明", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "抽样"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"抽样 {self.pk}"


class SampleItem(BaseModel):
    """One drawn household and the third-party finding on it."""

    class Finding(models.TextChoices):
        PENDING = "", "未核查"
        CORRECT = "correct", "准确"
        WRONG_EXIT = "wrong_exit", "错退"
        MISSED = "missed", "漏评"
        WRONG_ID = "wrong_id", "错评"

    sample = models.ForeignKey(
        Sample, verbose_name="抽样", on_delete=models.CASCADE, related_name="items"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="农户", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField("序号")
    finding = models.CharField(
        "核查结论", max_length=12, choices=Finding.choices, blank=True, default=""
    )
    note = models.CharField("说明", max_length=300, blank=True, default="")
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽样户"
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "household"], name="sample_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}#{self.position}"


class Survey(BaseModel):
    """群众认可度 survey results of one village (surveyed and satisfied respondents)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="调查村", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("村代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    surveyed_on = models.DateField("调查日期")
    surveyed = models.PositiveIntegerField("调查人数")
    satisfied = models.PositiveIntegerField("认可人数")
    surveyor = models.CharField("调查单位", max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "群众认可度调查"
        ordering = ["-surveyed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfied__lte=models.F("surveyed")), name="survey_satisfied_le"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.surveyed_on}"
