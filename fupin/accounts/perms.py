"""Permissions as enum members; roles carry lists of them (SPEC §0, STYLE rule 6)."""

from django.db import models


class Perm(models.TextChoices):
    REGION_VIEW = "region.view", "查看区划与村情"
    REGION_EDIT = "region.edit", "维护村情、战区与指挥体系"
    ORG_VIEW = "org.view", "查看组织机构"
    ORG_EDIT = "org.edit", "维护组织机构"
    USER_VIEW = "user.view", "查看用户"
    USER_MANAGE = "user.manage", "管理用户与授权"
    PARAM_VIEW = "param.view", "查看参数"
    PARAM_EDIT = "param.edit", "修改参数"
    AUDIT_VIEW = "audit.view", "查看审计日志"
    PERSONAL_DATA_VIEW = "personal.view", "查看完整个人信息（身份证号、电话、银行账号）"
    HOUSEHOLD_VIEW = "household.view", "查看建档立卡户"
    HOUSEHOLD_EDIT = "household.edit", "录入和修改建档立卡户"
    CASE_VIEW = "case.view", "查看识别/退出/监测案件"
    CASE_ACT = "case.act", "办理识别/退出/监测案件"
    ALERT_VIEW = "alert.view", "查看预警"
    ALERT_ACT = "alert.act", "处置预警与督办"
    SUPERVISE = "supervise", "再监督"


READ_PERMS = frozenset(p for p in Perm if p.value.endswith(".view"))
