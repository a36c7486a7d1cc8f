"""The 建档立卡 registry: households, members, yearly incomes, member change records and
yearly snapshots (SPEC §2).

Big tables carry `county_code` (the partition / distribution key, SPEC §13) and `region_code`
(the village's 12-digit code) for prefix jurisdiction filters. ID numbers are never stored in
clear: `id_cipher` holds AES-GCM ciphertext, `id_hash` a keyed digest for exact lookup and
registry-wide uniqueness, `id_masked` the display form (fupin.core.crypto).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, NullIf

from fupin.core import codelists
from fupin.core.models import BaseModel

from . import codes

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}
AREA: dict[str, Any] = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True}


class Household(BaseModel):
    village = models.ForeignKey(
        "regions.Region", verbose_name="所在村", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("村代码", max_length=12)
    county_code = models.CharField("县代码", max_length=6)
    household_no = models.CharField("户编号", max_length=30, unique=True)
    head_name = models.CharField("户主姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True, default="")
    bank_name = models.CharField("开户银行", max_length=100, blank=True, default="")
    bank_account = models.CharField("银行账号", max_length=40, blank=True, default="")
    attribute = models.CharField(
        "贫困户属性", max_length=10, choices=codelists.FieldChoices("Attribute")
    )
    standard = models.CharField(
        "识别标准",
        max_length=12,
        choices=codelists.FieldChoices("Standard"),
        default=codes.Standard.NATIONAL,
    )
    identified_year = models.PositiveSmallIntegerField("识别年度")
    main_cause = models.CharField(
        "主要致贫原因", max_length=20, choices=codelists.FieldChoices("Cause")
    )
    other_causes = ArrayField(
        models.CharField(max_length=20, choices=codelists.FieldChoices("Cause")),
        verbose_name="其他致贫原因",
        default=list,
        blank=True,
    )
    status = models.CharField(
        "贫困户状态",
        max_length=10,
        choices=codelists.FieldChoices("Status"),
        default=codes.Status.POOR,
    )
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    monitoring_category = models.CharField(
        "监测对象类别",
        max_length=10,
        choices=codelists.FieldChoices("MonitoringCategory"),
        blank=True,
        default="",
        db_default="",  # bulk loads (COPY) that predate the column leave it empty
    )
    monitoring_status = models.CharField(
        "监测状态",
        max_length=10,
        choices=codelists.FieldChoices("MonitoringStatus"),
        blank=True,
        default="",
        db_default="",
    )
    declared_size = models.PositiveSmallIntegerField("家庭人口数")
    is_relocated = models.BooleanField("易地扶贫搬迁户", default=False)
    is_military = models.BooleanField("军烈属", default=False)
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮扶责任人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helped_households",
    )
    helper_name = models.CharField("帮扶责任人姓名", max_length=50, blank=True, default="")
    # Living conditions (生产生活条件)
    arable_land = models.DecimalField("耕地面积（亩）", **AREA)
    irrigated_land = models.DecimalField("有效灌溉面积（亩）", **AREA)
    forest_land = models.DecimalField("林地面积（亩）", **AREA)
    grain_for_green_land = models.DecimalField("退耕还林面积（亩）", **AREA)
    orchard_land = models.DecimalField("林果面积（亩）", **AREA)
    pasture_land = models.DecimalField("牧草地面积（亩）", **AREA)
    water_area = models.DecimalField("水面面积（亩）", **AREA)
    production_power = models.BooleanField("通生产用电", default=True)
    domestic_power = models.BooleanField("通生活用电", default=True)
    road_distance_km = models.DecimalField(
        "距村主干路距离（公里）", max_digits=6, decimal_places=2, null=True, blank=True
    )
    road_surface = models.CharField(
        "入户路类型",
        max_length=10,
        choices=codelists.FieldChoices("RoadSurface"),
        blank=True,
        default="",
    )
    housing_area = models.DecimalField(
        "住房面积（平方米）", max_digits=8, decimal_places=2, null=True, blank=True
    )
    housing_grade = models.CharField(
        "住房安全等级",
        max_length=1,
        choices=codelists.FieldChoices("HousingGrade"),
        blank=True,
        default="",
    )
    housing_rebuilt = models.BooleanField("危房已改造", default=False)
    water_difficulty = models.BooleanField("饮水困难", default=False)
    water_safe = models.BooleanField("饮水安全", default=True)
    fuel = models.CharField(
        "主要燃料类型",
        max_length=12,
        choices=codelists.FieldChoices("Fuel"),
        blank=True,
        default="",
    )
    sanitary_toilet = models.BooleanField("有卫生厕所", default=False)
    cooperative_member = models.BooleanField("加入农民专业合作社", default=False)
    import_batch_id = models.BigIntegerField("导入批次", null=True, blank=True)

    class Meta:
        verbose_name = "贫困户"
        ordering = ["region_code", "household_no"]
        indexes = [
            models.Index(
                fields=["region_code", "id"],
                name="household_region_keyset",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["county_code", "status"], name="household_county_status"),
            models.Index(fields=["head_name"], name="household_head_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_year__isnull=True) | Q(exit_year__gte=F("identified_year")),
                name="household_exit_after_identification",
            ),
            models.CheckConstraint(
                condition=~Q(status=codes.Status.EXITED) | Q(exit_year__isnull=False),
                name="household_exited_has_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.head_name}（{self.household_no}）"


class Member(BaseModel):
    household = models.ForeignKey(
        Household, verbose_name="所属户", on_delete=models.CASCADE, related_name="members"
    )
    county_code = models.CharField("县代码", max_length=6)
    name = models.CharField("姓名", max_length=50)
    id_cipher = models.TextField("身份证号（密文）")
    # Unique through Meta.constraints, not unique=True: Django would add a second,
    # varchar_pattern_ops index for LIKE searches that a digest never gets, and every
    # member written pays for each index on it (a tenth of a 10M-person import).
    id_hash = models.CharField("身份证号索引", max_length=64)
    id_masked = models.CharField("身份证号（脱敏）", max_length=18)
    sex = models.CharField("性别", max_length=1, choices=[("男", "男"), ("女", "女")])
    birth_date = models.DateField("出生日期")
    relation = models.CharField(
        "与户主关系", max_length=20, choices=codelists.FieldChoices("Relation")
    )
    ethnicity = models.CharField("民族", max_length=10, default="汉族")
    political_status = models.CharField(
        "政治面貌",
        max_length=12,
        choices=codelists.FieldChoices("PoliticalStatus"),
        default=codes.PoliticalStatus.MASSES,
    )
    education = models.CharField(
        "文化程度",
        max_length=12,
        choices=codelists.FieldChoices("Education"),
        blank=True,
        default="",
    )
    schooling = models.CharField(
        "在校生状况",
        max_length=24,
        choices=codelists.FieldChoices("Schooling"),
        default=codes.Schooling.NOT_IN_SCHOOL,
    )
    health = models.CharField(
        "健康状况",
        max_length=10,
        choices=codelists.FieldChoices("Health"),
        default=codes.Health.HEALTHY,
    )
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    labour = models.CharField(
        "劳动技能",
        max_length=10,
        choices=codelists.FieldChoices("Labour"),
        default=codes.Labour.ORDINARY,
    )
    employment_tier = models.CharField(
        "务工区域",
        max_length=16,
        choices=codelists.FieldChoices("EmploymentTier"),
        blank=True,
        default="",
    )
    employment_months = models.PositiveSmallIntegerField("务工时间（月）", default=0)
    insured_medical = models.BooleanField("参加城乡居民基本医疗保险", default=False)
    insured_critical = models.BooleanField("参加大病保险", default=False)
    insured_pension = models.BooleanField("参加城乡居民基本养老保险", default=False)
    insured_accident = models.BooleanField("参加意外险", default=False)
    is_dibao = models.BooleanField("享受低保", default=False)
    is_tekun = models.BooleanField("特困供养", default=False)
    joined_on = models.DateField("入户日期", null=True, blank=True)
    left_on = models.DateField("离户日期", null=True, blank=True)
    left_reason = models.CharField(
        "离户原因",
        max_length=12,
        choices=codelists.FieldChoices("MemberChangeKind"),
        blank=True,
        default="",
    )

    class Meta:
        verbose_name = "家庭成员"
        ordering = ["household", "id"]
        indexes = [
            models.Index(fields=["county_code"], name="member_county"),
            models.Index(fields=["name"], name="member_name"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_hash"], name="member_id_hash_unique"),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="member_disability_grade_range",
            ),
            models.CheckConstraint(
                condition=Q(employment_months__lte=12), name="member_employment_months_range"
            ),
            # At most one current head per household.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", left_on__isnull=True),
                name="member_one_current_head",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.left_on is None


def _amount(name: str) -> models.DecimalField:
    """One part of a year's income, labelled as `codes.INCOME_LABELS` says."""
    return models.DecimalField(codes.INCOME_LABELS[name], **MONEY)


def _sum(names: Iterable[str]) -> Any:
    """F(a) + F(b) + … in the order given (the generated columns' expressions)."""
    return functools.reduce(operator.add, (F(name) for name in names))


def _net() -> Any:
    """家庭纯收入: every income part less the production costs."""
    return _sum((*codes.EARNED_INCOME, *codes.TRANSFER_INCOME)) - F("production_costs")


class Income(BaseModel):
    """Yearly income of a household. 人均纯收入 = (all income − production costs) / size."""

    household = models.ForeignKey(
        Household, verbose_name="所属户", on_delete=models.CASCADE, related_name="incomes"
    )
    county_code = models.CharField("县代码", max_length=6)
    year = models.PositiveSmallIntegerField("年度")
    size = models.PositiveSmallIntegerField("计算人口数")
    wage = _amount("wage")
    business = _amount("business")
    property_income = _amount("property_income")
    transfer_dibao = _amount("transfer_dibao")
    transfer_tekun = _amount("transfer_tekun")
    transfer_pension = _amount("transfer_pension")
    transfer_eco = _amount("transfer_eco")
    transfer_family_planning = _amount("transfer_family_planning")
    transfer_other = _amount("transfer_other")
    production_costs = _amount("production_costs")
    transfer_total = models.GeneratedField(
        verbose_name="转移性收入",
        expression=_sum(codes.TRANSFER_INCOME),
        output_field=models.DecimalField(max_digits=13, decimal_places=2),
        db_persist=True,
    )
    net_total = models.GeneratedField(
        verbose_name="家庭纯收入",
        expression=_net(),
        output_field=models.DecimalField(max_digits=13, decimal_places=2),
        db_persist=True,
    )
    per_capita = models.GeneratedField(
        verbose_name="人均纯收入",
        expression=Coalesce(
            _net() / NullIf(F("size"), 0),
            Decimal("0"),
            output_field=models.DecimalField(max_digits=13, decimal_places=2),
        ),
        output_field=models.DecimalField(max_digits=13, decimal_places=2),
        db_persist=True,
    )

    class Meta:
        verbose_name = "年度收入"
        ordering = ["household", "year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year"),
            models.CheckConstraint(condition=Q(size__gte=1), name="income_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


def member_change_upload_to(instance: MemberChange, filename: str) -> str:
    return f"registry/changes/{instance.county_code}/{filename}"


class MemberChange(BaseModel):
    """A natural change of a household's members (birth, death, marriage, move, correction),
    with its date, reason and evidence. Applying it sets Member.joined_on / left_on."""

    household = models.ForeignKey(
        Household, verbose_name="所属户", on_delete=models.CASCADE, related_name="changes"
    )
    member = models.ForeignKey(
        Member,
        verbose_name="成员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    county_code = models.CharField("县代码", max_length=6)
    kind = models.CharField(
        "变更类型", max_length=12, choices=codelists.FieldChoices("MemberChangeKind")
    )
    occurred_on = models.DateField("发生日期")
    reason = models.CharField("变更原因", max_length=500)
    evidence = models.FileField("证明材料", upload_to=member_change_upload_to, blank=True)
    details = models.JSONField("变更内容", default=dict, blank=True)

    class Meta:
        verbose_name = "家庭成员变更"
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class HouseholdSnapshot(models.Model):
    """A household as it stood at the end of a year (年度数据), frozen by `snapshot_year`.

    Statistics for past years read these rows, so later edits never change them."""

    year = models.PositiveSmallIntegerField("年度")
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.CASCADE, related_name="snapshots"
    )
    county_code = models.CharField("县代码", max_length=6)
    region_code = models.CharField("村代码", max_length=12)
    household_no = models.CharField("户编号", max_length=30)
    head_name = models.CharField("户主姓名", max_length=50)
    status = models.CharField("状态", max_length=10, choices=codelists.FieldChoices("Status"))
    attribute = models.CharField("属性", max_length=10, choices=codelists.FieldChoices("Attribute"))
    main_cause = models.CharField(
        "主要致贫原因", max_length=20, choices=codelists.FieldChoices("Cause")
    )
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    size = models.PositiveSmallIntegerField("人口数")
    per_capita = models.DecimalField("人均纯收入", max_digits=13, decimal_places=2, null=True)
    data = models.JSONField("户及成员数据")
    taken_at = models.DateTimeField("冻结时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度数据"
        constraints = [
            models.UniqueConstraint(fields=["year", "household"], name="snapshot_one_per_year"),
        ]
        indexes = [
            models.Index(fields=["year", "county_code"], name="snapshot_year_county"),
            # The year's list (年度数据) in household-number order, any region: keyset pages
            # without sorting the whole year.
            models.Index(fields=["year", "household_no"], name="snapshot_year_no"),
        ]

    def __str__(self) -> str:
        return f"{self.household_no} {self.year}"


class Doubt(models.Model):
    """A 疑点: a validation-rule hit found by the sweep (or on entry), kept until the next
    sweep of that household clears it. Listed per region with counts by rule."""

    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.CASCADE, related_name="doubts"
    )
    member = models.ForeignKey(
        Member,
        verbose_name="成员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    county_code = models.CharField("县代码", max_length=6)
    region_code = models.CharField("村代码", max_length=12)
    rule_code = models.CharField("规则", max_length=10)
    severity = models.CharField("级别", max_length=10)
    message = models.CharField("说明", max_length=500)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = "疑点"
        ordering = ["region_code", "household_id", "rule_code"]
        indexes = [
            models.Index(
                fields=["region_code", "rule_code"],
                name="doubt_region_rule",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["household"], name="doubt_household"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.household_id}"


class ImportMode(models.TextChoices):
    INSERT = "insert", "新增导入（已存在的身份证号视为错误）"
    UPSERT = "upsert", "更新导入（按身份证号更新，不存在则新增）"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    SUCCEEDED = "succeeded", "导入成功"
    UNCHANGED = "unchanged", "无变化"
    FAILED = "failed", "导入失败（数据未改变）"


class ImportJob(models.Model):
    """One uploaded registry file and its background processing. All-or-nothing: rows reach
    the registry in one final transaction; before that, nothing is visible or changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("导入辖区", max_length=12)
    mode = models.CharField("导入方式", max_length=10, choices=ImportMode.choices)
    file = models.FileField("文件", upload_to="registry/imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    file_sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    stage = models.CharField("当前步骤", max_length=50, blank=True, default="")
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    error_report = models.FileField(
        "错误报告", upload_to="registry/import-errors/%Y/%m/", blank=True
    )
    summary = models.JSONField("结果摘要", default=dict, blank=True)
    message = models.TextField("说明", blank=True, default="")
    batch_id = models.BigIntegerField("审计批次", null=True, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("心跳时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ExportState(models.TextChoices):
    RUNNING = "running", "导出中"
    DONE = "done", "导出完成"
    FAILED = "failed", "导出中断"


class ExportRecord(models.Model):
    """One export (a download today, a background job later): who asked for what, the totals
    counted before it started and those written, the digest of the bytes sent, and whether it
    ended whole (registry.exports.records). An export cut short is `failed`, never `done`."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("导出内容", max_length=50)
    params = models.JSONField("筛选条件", default=dict, blank=True)
    format = models.CharField("格式", max_length=10)
    file_name = models.CharField("文件名", max_length=255, blank=True, default="")
    expected = models.JSONField("应导出", default=dict, blank=True)
    written = models.JSONField("已写出", default=dict, blank=True)
    rows_expected = models.PositiveIntegerField("应导出行数", default=0)
    rows_written = models.PositiveIntegerField("已写出行数", default=0)
    bytes_written = models.PositiveBigIntegerField("字节数", default=0)
    sha256 = models.CharField("文件摘要", max_length=64, blank=True, default="")
    state = models.CharField(
        "状态", max_length=10, choices=ExportState.choices, default=ExportState.RUNNING
    )
    message = models.TextField("说明", blank=True, default="")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["actor", "-started_at"], name="registry_export_actor_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"
