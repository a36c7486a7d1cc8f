"""The rollup store: one generic table of small rows, and each figure's state.

`core_rollup` holds, per figure, one row per (region level, region code, period, dimension
values) — or several: triggers append deltas instead of updating a row in place, so two
transactions writing households of the same county never wait for each other on the county's
(or the province's) counter row until commit; `compact` folds the deltas of a key into one
row. Reads sum the rows of a key, which the index (figure, level, region_code, period) finds
directly: a province total reads the province's rows, never its villages'.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class Rollup(models.Model):
    id = models.BigAutoField(primary_key=True)
    figure = models.CharField("指标", max_length=60)
    level = models.PositiveSmallIntegerField("层级")
    region_code = models.CharField("区划代码", max_length=12)
    period = models.IntegerField("期间", default=0)  # 0: live; otherwise the year
    dims = models.JSONField("维度", default=dict)
    vals = ArrayField(models.BigIntegerField(), verbose_name="数值")

    class Meta:
        db_table = "core_rollup"
        indexes = [
            models.Index(
                fields=["figure", "level", "region_code", "period"],
                name="rollup_figure_region",
                opclasses=["varchar_ops", "int2_ops", "varchar_pattern_ops", "int4_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.region_code or '全部'} {self.period} {self.dims}"


class RollupState(models.Model):
    """When a figure was last built from raw rows and last refreshed, and from which
    definition (a changed declaration is rebuilt after migrate)."""

    figure = models.CharField("指标", max_length=60, primary_key=True)
    signature = models.CharField("定义摘要", max_length=32)
    built_at = models.DateTimeField("重建时间")
    refreshed_at = models.DateTimeField("数据时间")

    class Meta:
        db_table = "core_rollupstate"

    def __str__(self) -> str:
        return f"{self.figure} {self.refreshed_at:%Y-%m-%d %H:%M}"
