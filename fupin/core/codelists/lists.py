"""The registered code lists: which TextChoices of the platform are kept as data."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db.models import TextChoices


@dataclass(frozen=True)
class CodeList:
    key: str  # the TextChoices class name
    codes: type[TextChoices]
    title: str
    # Whether administrators may add items; the others only take label and order edits.
    extensible: bool = False
    # The shortest max_length of the model fields that store the list's values.
    max_length: int | None = None


@functools.cache
def code_lists() -> dict[str, CodeList]:
    """The registered lists, key → CodeList, in display order."""
    from fupin.registry import codes

    lists = [
        CodeList("Attribute", codes.Attribute, "贫困户属性"),
        CodeList("Standard", codes.Standard, "识别标准"),
        CodeList("Cause", codes.Cause, "致贫原因", extensible=True, max_length=20),
        CodeList("Status", codes.Status, "贫困户状态"),
        CodeList("MonitoringCategory", codes.MonitoringCategory, "监测对象类别"),
        CodeList("MonitoringStatus", codes.MonitoringStatus, "监测状态"),
        CodeList("HousingGrade", codes.HousingGrade, "住房安全等级"),
        CodeList("RoadSurface", codes.RoadSurface, "入户路类型", extensible=True, max_length=10),
        CodeList("Fuel", codes.Fuel, "主要燃料类型", extensible=True, max_length=12),
        CodeList("Relation", codes.Relation, "与户主关系"),
        CodeList(
            "PoliticalStatus", codes.PoliticalStatus, "政治面貌", extensible=True, max_length=12
        ),
        CodeList("Education", codes.Education, "文化程度"),
        CodeList("Schooling", codes.Schooling, "在校生状况"),
        CodeList("Health", codes.Health, "健康状况"),
        CodeList("Labour", codes.Labour, "劳动技能"),
        CodeList("EmploymentTier", codes.EmploymentTier, "务工区域"),
        CodeList("MemberChangeKind", codes.MemberChangeKind, "成员变更类型"),
    ]
    return {cl.key: cl for cl in lists}


ListRef = str | type[TextChoices]


def registered(cls: ListRef) -> CodeList | None:
    """The registered list for a key or a TextChoices class (None for another class, e.g. a
    workflows TextChoices that happens to share a name)."""
    if isinstance(cls, str):
        try:
            return code_lists()[cls]
        except KeyError as exc:
            raise LookupError(f"unknown code list {cls!r}") from exc
    found = code_lists().get(cls.__name__)
    return found if found is not None and found.codes is cls else None
