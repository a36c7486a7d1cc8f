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
