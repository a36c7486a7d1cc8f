from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fupin.accounts"
    label = "accounts"
    verbose_name = "用户与授权"

    def ready(self) -> None:
        from fupin.audit.registry import audit

        from . import models, params  # noqa: F401  (declares parameters)

        audit(models.User, skip=("password",))
        audit(models.Role)
        audit(models.Grant)
        audit(models.ApiToken, skip=("digest",))
