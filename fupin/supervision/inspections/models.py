"""Inspections (督查巡查): groups, plans, visits and their findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fupin.core.models import BaseModel
from fupin.supervision.alerts.models import Alert


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
