from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from . import param_defaults  # noqa: F401  (declares the policy parameters)
