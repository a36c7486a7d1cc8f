"""Verification samples (抽样核查) and survey records (SPEC §3)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from fupin.core.models import BaseModel


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
