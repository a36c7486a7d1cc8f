"""Traffic lights (亮灯预警): indicators, quarter targets and reminder interviews."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from fupin.core.models import BaseModel


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
