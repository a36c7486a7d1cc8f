from fupin.core import platform
from fupin.core.access import Perm


class WebConfig(platform.FupinApp):
    name = "fupin.web"
    label = "web"
    verbose_name = "界面"

    nav = (
        platform.NavSection("工作台", (platform.NavItem("首页", "home"),), 0),
        platform.NavSection(
            "系统管理",
            (
                platform.NavItem("参数设置", "web:parameters", Perm.PARAM_VIEW, 20),
                platform.NavItem("代码表管理", "web:codes", Perm.PARAM_VIEW, 30),
                platform.NavItem("工作日历", "web:calendar", Perm.PARAM_VIEW, 35),
            ),
            900,
        ),
    )
    urls = (("", "fupin.web.root_urls"), ("system/", "fupin.web.urls"))
    api_routers = (("/", "fupin.web.api.router"),)
