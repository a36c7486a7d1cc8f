from fupin.core import platform
from fupin.core.access import STAFF_READERS, Perm


class RegionsConfig(platform.FupinApp):
    name = "fupin.regions"
    label = "regions"
    verbose_name = "区划与组织"

    permissions = {
        Perm.REGION_VIEW: ("region_admin", *STAFF_READERS),
        Perm.REGION_EDIT: ("region_admin", "poverty_office", "township", "village"),
        Perm.ORG_VIEW: ("region_admin", *(r for r in STAFF_READERS if r != "helper")),
        Perm.ORG_EDIT: ("region_admin", "poverty_office", "township"),
    }
    nav = (
        platform.NavSection(
            "区划与组织",
            (
                platform.NavItem("行政区划", "regions:tree", Perm.REGION_VIEW),
                platform.NavItem("攻坚战区", "regions:battle_zones", Perm.REGION_VIEW),
                platform.NavItem("指挥体系", "regions:command_units", Perm.REGION_VIEW),
                platform.NavItem("组织机构", "regions:organisations", Perm.ORG_VIEW),
            ),
            500,
        ),
    )
    urls = (("regions/", "fupin.regions.urls"),)
    api_routers = (("/", "fupin.regions.api.router"),)

    def register(self) -> None:
        from fupin.audit.registry import audit
        from fupin.core.access import register_region_directory

        from . import figures, models, selectors  # noqa: F401  (figures declares the rollups)

        register_region_directory(selectors.REGION_DIRECTORY)
        for model in (
            models.VillageProfile,
            models.BattleZone,
            models.CommandUnit,
            models.CommandUnitMember,
            models.Organisation,
        ):
            audit(model)
        audit(models.BattleZone.townships.through)
