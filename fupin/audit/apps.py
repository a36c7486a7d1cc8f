from django.core import checks
from django.db.models.signals import post_migrate

from fupin.core import platform
from fupin.core.access import Perm


class AuditConfig(platform.FupinApp):
    name = "fupin.audit"
    label = "audit"
    verbose_name = "审计"

    permissions = {
        Perm.AUDIT_VIEW: ("region_admin", "poverty_office", "discipline", "audit_finance"),
    }
    nav = (
        platform.NavSection(
            "系统管理", (platform.NavItem("审计日志", "audit:events", Perm.AUDIT_VIEW, 40),), 900
        ),
    )
    urls = (("audit/", "fupin.audit.urls"),)
    api_routers = (("/", "fupin.audit.api.router"),)

    def register(self) -> None:
        from fupin.core.models import CalendarDay, CalendarYear, CodeItem, Parameter

        from . import params  # noqa: F401  (declares audit.retention_days)
        from .registry import audit, install_triggers
        from .roles import check_app_role, grant_roles

        audit(Parameter)
        audit(CodeItem)
        audit(CalendarYear)
        audit(CalendarDay)

        post_migrate.connect(install_triggers, dispatch_uid="fupin.audit.install_triggers")
        post_migrate.connect(grant_roles, dispatch_uid="fupin.audit.grant_roles")
        checks.register(check_app_role, checks.Tags.security, deploy=True)
