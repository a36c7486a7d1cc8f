"""The registry's code lists kept as data (labels, order and custom items on /system/codes/)."""

from __future__ import annotations

from fupin.core.codelists import CodeList, register_code_lists

from . import codes


def register() -> None:
    register_code_lists(
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
    )
