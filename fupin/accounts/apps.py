from django.db.models.signals import post_migrate

from fupin.core import platform
from fupin.core.access import Perm


class AccountsConfig(platform.FupinApp):
    name = "fupin.accounts"
    label = "accounts"
    verbose_name = "用户与授权"

    permissions = {
        Perm.USER_VIEW: ("region_admin", "poverty_office", "discipline", "township"),
        Perm.USER_MANAGE: ("region_admin",),
        Perm.PERSONAL_DATA_VIEW: (
            "poverty_office",
            "discipline",
            "township",
            "village",
            "first_secretary",
        ),
    }
    nav = (
        platform.NavSection(
            "系统管理", (platform.NavItem("用户与授权", "accounts:users", Perm.USER_VIEW, 10),), 900
        ),
    )
    urls = (("", "fupin.accounts.auth_urls"), ("accounts/", "fupin.accounts.urls"))
    api_routers = (("/", "fupin.accounts.api.router"),)

    def register(self) -> None:
        from fupin.audit.registry import audit
        from fupin.core.api.auth import register_token_resolver

        from . import models, params, selectors, services  # noqa: F401  (params declares parameters)

        register_token_resolver(selectors.token_user)

        audit(models.User, skip=("password",))
        audit(models.Role)
        audit(models.Grant)
        audit(models.ApiToken, skip=("digest",))
        # Every declared permission reaches its default roles, on existing databases too.
        post_migrate.connect(
            services.on_post_migrate, sender=self, dispatch_uid="fupin.accounts.roles_sync"
        )
