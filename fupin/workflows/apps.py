from fupin.core import platform
from fupin.core.access import STAFF_READERS, Perm


class WorkflowsConfig(platform.FupinApp):
    name = "fupin.workflows"
    label = "workflows"
    verbose_name = "识别退出与动态管理"

    permissions = {
        Perm.CASE_VIEW: STAFF_READERS,
        Perm.CASE_ACT: ("poverty_office", "industry", "township", "village", "first_secretary"),
    }
    nav = (
        platform.NavSection(
            "识别退出与监测",
            (
                platform.NavItem("我的待办", "workflows:queue", Perm.CASE_VIEW),
                platform.NavItem("办件查询", "workflows:case_list", Perm.CASE_VIEW),
                platform.NavItem("公示公告", "workflows:notice_list", Perm.CASE_VIEW),
                platform.NavItem("贫困户退出", "workflows:exit_dashboard", Perm.CASE_VIEW),
                platform.NavItem("贫困村退出", "workflows:village_exit_dashboard", Perm.CASE_VIEW),
                platform.NavItem("贫困县摘帽", "workflows:county_exit_dashboard", Perm.CASE_VIEW),
                platform.NavItem("抽样核查", "workflows:samples", Perm.CASE_VIEW),
            ),
            300,
        ),
    )
    urls = (("cases/", "fupin.workflows.urls"), ("public/", "fupin.workflows.public.urls"))
    api_routers = (
        ("/", "fupin.workflows.api.router"),
        ("/", "fupin.workflows.api.public_router"),
    )

    def register(self) -> None:
        import fupin.workflows.tabs  # noqa: F401 - the household page's 办件 tab
        from fupin.audit.registry import audit
        from fupin.workflows import flows, models, params, rules  # noqa: F401 - registers flows and parameters
        from fupin.workflows.cases import risk  # noqa: F401 - registers its parameters

        for model in (
            models.Case,
            models.Transition,
            models.CaseDocument,
            models.Notice,
            models.NoticeEntry,
            models.Objection,
            models.Sample,
            models.SampleItem,
            models.Survey,
        ):
            audit(model)
