"""Accountability records (问责)."""

from __future__ import annotations

from django.db import models

from fupin.core.models import BaseModel
from fupin.supervision.alerts.models import Alert
from fupin.supervision.inspections.models import Finding


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
