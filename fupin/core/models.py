"""Base model, the parameter table, code items and the working-day calendar."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """Timestamps, the acting user and an optimistic-lock version on every business record."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        abstract = True


class Parameter(models.Model):
    """A value that overrides a parameter's default for a region subtree and/or a year.

    region_code "" is the national value; year NULL applies to every year. Resolution picks
    the longest matching region prefix, then a specific year over NULL.
    """

    key = models.CharField("参数", max_length=100)
    region_code = models.CharField("适用区划", max_length=12, blank=True, default="")
    year = models.PositiveSmallIntegerField("适用年度", null=True, blank=True)
    value = models.JSONField("取值")
    note = models.CharField("说明", max_length=200, blank=True, default="")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "参数"
        constraints = [
            models.UniqueConstraint(
                fields=["key", "region_code", "year"],
                name="parameter_unique_scope",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.region_code or '全国'}/{self.year or '各年度'}"


class CodeItem(models.Model):
    """One entry of a code list (代码表) with the label users see (SPEC §0: the system
    administrator manages code lists).

    The values the platform's logic relies on are defined in code (`fupin.registry.codes`)
    and seeded as `builtin` rows; administrators edit labels and order, and add items to the
    lists that allow it (fupin.core.codelists)."""

    list_key = models.CharField("代码表", max_length=40)
    value = models.CharField("代码", max_length=30, blank=True)
    label = models.CharField("名称", max_length=50)
    position = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)
    builtin = models.BooleanField("内置", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "代码项"
        ordering = ["list_key", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["list_key", "value"], name="codeitem_unique_value")
        ]

    def __str__(self) -> str:
        return f"{self.list_key}.{self.value} {self.label}"


class CalendarYear(BaseModel):
    """One year of the official working-day calendar (fupin.core.calendar): whether its
    holiday arrangement is the one the State Council published or still provisional, where
    it came from, and (BaseModel) who entered or last edited it and when. Its exceptions to
    the Mon–Fri rule are the `CalendarDay` rows; a year without a row is unknown (weekends
    only)."""

    class Status(models.TextChoices):
        OFFICIAL = "official", "正式公布"
        PROVISIONAL = "provisional", "暂定"

    class Source(models.TextChoices):
        PACKAGE = "package", "随系统导入"
        MANUAL = "manual", "管理员录入"

    year = models.PositiveSmallIntegerField("年度", unique=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PROVISIONAL
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    basis = models.CharField("依据", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "工作日历年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年（{self.get_status_display()}）"


class CalendarDay(models.Model):
    """A date that breaks the Mon–Fri rule: a holiday (放假, named after its festival; the
    weekend days inside a holiday are listed too, as the notice lists them) or an adjusted
    working day (调休上班, a Saturday or Sunday). Each date belongs to the year it falls in."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    name = models.CharField("节日", max_length=40, blank=True, default="")

    class Meta:
        verbose_name = "工作日历例外日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


from fupin.core.stats.models import Rollup, RollupState  # noqa: E402  (the rollup store)

__all__ = [
    "BaseModel",
    "CalendarDay",
    "CalendarYear",
    "CodeItem",
    "Parameter",
    "Rollup",
    "RollupState",
]
