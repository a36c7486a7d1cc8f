from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "fupin.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from fupin.core.models import CalendarDay, CalendarYear, CodeItem, Parameter

        from . import params  # noqa: F401  (declares audit.retention_days)
        from .registry import audit, install_triggers

        audit(Parameter)
        audit(CodeItem)
        audit(CalendarYear)
        audit(CalendarDay)

        post_migrate.connect(install_triggers, dispatch_uid="fupin.audit.install_triggers")
