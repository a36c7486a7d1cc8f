from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"
    verbose_name = "建档立卡"

    def ready(self) -> None:
        from fupin.audit.registry import audit

        from . import models, rules  # noqa: F401 - rules registers the registry's supervision rules

        audit(models.Household)
        audit(models.Member, skip=("id_cipher",))
        audit(models.Income)
        audit(models.MemberChange)
