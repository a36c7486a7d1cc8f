"""An explainable risk score for 防返贫监测 (SPEC §3): each factor, the evidence that
triggered it and its weight are shown; the score is the sum of the triggered weights (at most
100). Weights are parameters (`monitoring.weight.<factor>`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from fupin.core import params
from fupin.core.params import define
from fupin.registry import codes
from fupin.registry.models import Household, Income, Member


class RiskType(models.TextChoices):
    INCOME_DROP = "income_drop", "收入骤减或支出骤增"
    MEDICAL = "medical", "大额医疗支出"
    DISASTER = "disaster", "自然灾害"
    ACCIDENT = "accident", "意外事故"
    EDUCATION = "education", "教育支出大"
    UNEMPLOYMENT = "unemployment", "失业或务工受阻"
    OTHER = "other", "其他困难"


class Channel(models.TextChoices):
    SELF = "self", "农户自主申报"
    CADRE = "cadre", "干部排查"
    SYSTEM = "system", "系统预警"
    DEPARTMENT = "department", "部门筛查预警"


FACTORS: list[tuple[str, str, int]] = [
    ("below_line", "人均纯收入低于监测标准", 35),
    ("income_drop", "人均纯收入较上年下降30%以上", 15),
    ("medical", "大额医疗自付支出", 20),
    ("serious_illness", "家庭成员患大病或重度残疾", 10),
    ("disaster", "遭受自然灾害", 15),
    ("accident", "遭遇意外事故", 10),
    ("education", "教育支出负担重", 5),
    ("unemployment", "失业或务工受阻", 10),
    ("no_labour", "家庭无劳动力", 10),
]

WEIGHTS = {
    code: define(f"monitoring.weight.{code}", f"风险权重：{label}", weight, unit="分",
                 minimum=0, maximum=100)
    for code, label, weight in FACTORS
}  # fmt: skip


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    weight: int
    triggered: bool
    detail: str


@dataclass(frozen=True)
class RiskScore:
    score: int
    factors: list[Factor]

    @property
    def level(self) -> str:
        return "高" if self.score >= 50 else "中" if self.score >= 25 else "低"


def score(household: Household | None, declared: dict[str, Any], year: int) -> RiskScore:
    """Score a household (or, before one is linked, only what was declared)."""
    region = household.region_code if household else declared.get("region_code", "")
    types = set(declared.get("risk_types") or [])
    found: dict[str, tuple[bool, str]] = {}
    if household is not None:
        line = Decimal(params.get("registry.monitoring_line", region_code=region, year=year))
        incomes = list(
            Income.objects.filter(household=household, year__lte=year).order_by("-year")[:2]
        )
        latest = incomes[0] if incomes else None
        if latest is not None:
            found["below_line"] = (
                latest.per_capita < line,
                f"{latest.year} 年人均纯收入 {latest.per_capita} 元，监测标准 {line} 元",
            )
        if len(incomes) == 2 and incomes[1].per_capita > 0:
            drop = (incomes[1].per_capita - incomes[0].per_capita) / incomes[1].per_capita
            found["income_drop"] = (
                drop >= Decimal("0.3"),
                f"{incomes[1].year} 年 {incomes[1].per_capita} 元 → {incomes[0].year} 年 {incomes[0].per_capita} 元",
            )
        members = list(Member.objects.filter(household=household, left_on__isnull=True))
        sick = [m.name for m in members if m.health == codes.Health.SERIOUS
                or (m.disability_grade is not None and m.disability_grade <= 2)]  # fmt: skip
        found["serious_illness"] = (bool(sick), f"{len(sick)} 人" if sick else "无")
        labour = [m for m in members if m.labour not in (codes.Labour.NONE, codes.Labour.LOST)]
        found["no_labour"] = (not labour, "无劳动力" if not labour else f"劳动力 {len(labour)} 人")
    expense = Decimal(str(declared.get("medical_expense") or 0))
    limit = Decimal(params.get("monitoring.large_medical_expense", region_code=region))
    if expense or RiskType.MEDICAL in types:
        found["medical"] = (
            expense >= limit or (RiskType.MEDICAL in types and not expense),
            f"申报自付医疗支出 {expense} 元，预警线 {limit} 元"
            if expense
            else "申报有大额医疗支出",
        )
    for code in ("disaster", "accident", "education", "unemployment"):
        if code in types:
            found[code] = (True, "申报或排查发现")
    if RiskType.INCOME_DROP in types and "income_drop" not in found:
        found["income_drop"] = (True, "申报收入骤减")
    factors = []
    total = 0
    for code, label, _default in FACTORS:
        triggered, detail = found.get(code, (False, "未发现"))
        weight = int(params.get(f"monitoring.weight.{code}", region_code=region))
        factors.append(Factor(code, label, weight, triggered, detail))
        if triggered:
            total += weight
    return RiskScore(score=min(total, 100), factors=factors)
