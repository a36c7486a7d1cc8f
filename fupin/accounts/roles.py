"""The default roles of SPEC §0. Roles are data (editable); this is their seed.

A role's permissions are not listed here: each app declares the roles that hold its
permissions by default (`FupinApp.permissions`), and `roles_sync` grants them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    description: str
    rank: int
    levels: tuple[int, ...]
    read_only: bool = False
    is_system_admin: bool = False


DEFAULT_ROLES: tuple[RoleDef, ...] = (
    RoleDef(
        "sysadmin",
        "系统管理员",
        "用户、参数、代码表（全部区划）",
        0,
        (1, 2, 3),
        is_system_admin=True,
    ),
    RoleDef("region_admin", "辖区系统管理员", "本辖区用户、授权与参数管理", 10, (1, 2, 3)),
    RoleDef("poverty_office", "扶贫办/主管部门", "审批、监管、考核本辖区及以下", 20, (1, 2, 3)),
    RoleDef("discipline", "纪委监委", "本辖区只读全部数据并再监督", 25, (1, 2, 3), read_only=True),
    RoleDef("industry", "行业部门", "录入、核实本行业帮扶措施，提供比对数据", 30, (1, 2, 3)),
    RoleDef("audit_finance", "审计/财政", "资金与资产审核（只读）", 30, (1, 2, 3), read_only=True),
    RoleDef("township", "乡镇工作人员", "审核村级上报、管理所辖村", 40, (4,)),
    RoleDef("village", "村两委/扶贫专员", "录入农户、申请、项目建议、公示", 50, (5,)),
    RoleDef("first_secretary", "驻村第一书记/工作队", "签到、走访、任务、核实", 50, (5,)),
    RoleDef("helper", "帮扶责任人", "结对户的走访、措施、任务（手机）", 60, (3, 4, 5)),
    RoleDef("viewer", "只读查看", "本辖区数据只读查看", 70, (1, 2, 3, 4, 5), read_only=True),
)
