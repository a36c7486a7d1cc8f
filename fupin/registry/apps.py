from fupin.core import platform
from fupin.core.access import CASE_WORKERS, STAFF_READERS, Perm


class RegistryConfig(platform.FupinApp):
    name = "fupin.registry"
    label = "registry"
    verbose_name = "建档立卡"

    permissions = {
        Perm.HOUSEHOLD_VIEW: STAFF_READERS,
        Perm.HOUSEHOLD_EDIT: CASE_WORKERS,
        # Health and disability details (SPEC §10): the roles that visit and assist the
        # household; a sector department (卫健, 残联 via an industry grant) gets it by an
        # administrator granting it a role that holds it.
        Perm.HEALTH_VIEW: (
            "poverty_office",
            "discipline",
            "township",
            "village",
            "first_secretary",
            "helper",
        ),
    }
    nav = (
        platform.NavSection(
            "建档立卡",
            (
                platform.NavItem("贫困户", "registry:household_list", Perm.HOUSEHOLD_VIEW),
                platform.NavItem("数据导入", "registry:import_list", Perm.HOUSEHOLD_EDIT),
                platform.NavItem("逻辑校验疑点", "registry:doubts", Perm.HOUSEHOLD_VIEW),
                platform.NavItem("校验规则", "registry:rules", Perm.HOUSEHOLD_VIEW),
                platform.NavItem("年度数据", "registry:snapshots", Perm.HOUSEHOLD_VIEW),
            ),
            200,
        ),
    )
    urls = (("registry/", "fupin.registry.urls"),)
    api_routers = (("/", "fupin.registry.api.router"),)

    def register(self) -> None:
        from fupin.audit.registry import audit

        from . import codelists, figures, models, rules  # noqa: F401 - rules, figures register

        codelists.register()
        audit(models.Household)
        audit(models.Member, skip=("id_cipher",))
        audit(models.Income)
        audit(models.MemberChange)
