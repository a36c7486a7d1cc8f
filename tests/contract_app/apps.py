"""A small app that exists only in the test settings: it proves the app contract — an app
registered only in INSTALLED_APPS brings its menu, URLs, API and permissions by itself."""

from fupin.core import platform

PERM = "contract.view"


class ContractAppConfig(platform.FupinApp):
    name = "tests.contract_app"
    label = "contract_app"
    verbose_name = "契约示例"

    permissions = {PERM: ("poverty_office",)}
    permission_labels = {PERM: "查看契约示例"}
    nav = (
        platform.NavSection(
            "契约示例", (platform.NavItem("示例页面", "contract_app:home", PERM),), 950
        ),
    )
    urls = (("contract/", "tests.contract_app.urls"),)
    api_routers = (("/", "tests.contract_app.api.router"),)
