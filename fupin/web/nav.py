"""The module navigation. Each domain app adds its entry here when it ships pages."""

from __future__ import annotations

from dataclasses import dataclass

from fupin.accounts.perms import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | None = None
    icon: str = ""


NAV: list[tuple[str, list[NavItem]]] = [
    ("工作台", [NavItem("首页", "home")]),
    (
        "建档立卡",
        [
            NavItem("贫困户", "registry:household_list", Perm.HOUSEHOLD_VIEW),
            NavItem("数据导入", "registry:import_list", Perm.HOUSEHOLD_EDIT),
            NavItem("逻辑校验疑点", "registry:doubts", Perm.HOUSEHOLD_VIEW),
            NavItem("校验规则", "registry:rules", Perm.HOUSEHOLD_VIEW),
            NavItem("年度数据", "registry:snapshots", Perm.HOUSEHOLD_VIEW),
        ],
    ),
    (
        "识别退出与监测",
        [
            NavItem("我的待办", "workflows:queue", Perm.CASE_VIEW),
            NavItem("办件查询", "workflows:case_list", Perm.CASE_VIEW),
            NavItem("公示公告", "workflows:notice_list", Perm.CASE_VIEW),
            NavItem("贫困户退出", "workflows:exit_dashboard", Perm.CASE_VIEW),
            NavItem("贫困村退出", "workflows:village_exit_dashboard", Perm.CASE_VIEW),
            NavItem("贫困县摘帽", "workflows:county_exit_dashboard", Perm.CASE_VIEW),
            NavItem("抽样核查", "workflows:samples", Perm.CASE_VIEW),
        ],
    ),
    (
        "监管预警",
        [
            NavItem("预警督办", "supervision:alerts", Perm.ALERT_VIEW),
            NavItem("预警规则", "supervision:rules", Perm.ALERT_VIEW),
            NavItem("预警统计", "supervision:dashboard", Perm.ALERT_VIEW),
            NavItem("督查巡查", "supervision:inspections", Perm.ALERT_VIEW),
            NavItem("亮灯预警", "supervision:lights", Perm.ALERT_VIEW),
            NavItem("问责记录", "supervision:accountability", Perm.ALERT_VIEW),
            NavItem("纪委再监督", "supervision:discipline", Perm.SUPERVISE),
            NavItem("消息", "supervision:inbox"),
        ],
    ),
    (
        "区划与组织",
        [
            NavItem("行政区划", "regions:tree", Perm.REGION_VIEW),
            NavItem("攻坚战区", "regions:battle_zones", Perm.REGION_VIEW),
            NavItem("指挥体系", "regions:command_units", Perm.REGION_VIEW),
            NavItem("组织机构", "regions:organisations", Perm.ORG_VIEW),
        ],
    ),
    (
        "系统管理",
        [
            NavItem("用户与授权", "accounts:users", Perm.USER_VIEW),
            NavItem("参数设置", "web:parameters", Perm.PARAM_VIEW),
            NavItem("代码表管理", "web:codes", Perm.PARAM_VIEW),
            NavItem("工作日历", "web:calendar", Perm.PARAM_VIEW),
            NavItem("审计日志", "audit:events", Perm.AUDIT_VIEW),
        ],
    ),
]
