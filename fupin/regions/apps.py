from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fupin.regions"
    label = "regions"
    verbose_name = "区划与组织"

    def ready(self) -> None:
        from fupin.audit.registry import audit

        from . import models

        for model in (
            models.VillageProfile,
            models.BattleZone,
            models.CommandUnit,
            models.CommandUnitMember,
            models.Organisation,
        ):
            audit(model)
        audit(models.BattleZone.townships.through)
