"""Base model and the parameter table."""

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
