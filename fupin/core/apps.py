from django.db.models.signals import post_delete, post_migrate, post_save

from fupin.core import platform
from fupin.core.access import Perm


class CoreConfig(platform.FupinApp):
    name = "fupin.core"
    label = "core"
    verbose_name = "基础"

    # Parameters and code lists are the platform's; their pages live in the web shell.
    permissions = {
        Perm.PARAM_VIEW: ("region_admin", "poverty_office", "discipline", "viewer"),
        Perm.PARAM_EDIT: ("region_admin",),
    }

    def register(self) -> None:
        from . import (
            calendar,
            codelists,
            logfilter,
            param_defaults,  # noqa: F401  (declares the policy parameters)
            touch,
            uploads,  # noqa: F401  (declares the upload size limits)
        )
        from .models import CalendarDay, CalendarYear, CodeItem

        # No ID or phone number in the access logs of gunicorn and runserver either.
        logfilter.install()

        # A fresh database and code values added since the last migrate get their items.
        post_migrate.connect(
            codelists.on_post_migrate, sender=self, dispatch_uid="fupin.core.codelists.sync"
        )
        # The rollups' triggers, and a first build of every new or changed figure.
        from .stats.maintain import install_triggers

        post_migrate.connect(install_triggers, dispatch_uid="fupin.core.stats.install_triggers")
        # The official holiday calendar 2004–2026 for the years a database lacks.
        post_migrate.connect(
            calendar.on_post_migrate, sender=self, dispatch_uid="fupin.core.calendar.seed"
        )
        # updated_at / updated_by move on every UPDATE, QuerySet.update and bulk SQL too.
        post_migrate.connect(touch.install, sender=self, dispatch_uid="fupin.core.touch")
        for signal in (post_save, post_delete):
            signal.connect(
                codelists.on_item_saved,
                sender=CodeItem,
                dispatch_uid=f"fupin.core.codelists.invalidate.{signal is post_save}",
            )
            for model in (CalendarYear, CalendarDay):  # a save outside the services (a shell)
                signal.connect(
                    calendar.on_saved,
                    sender=model,
                    dispatch_uid=f"fupin.core.calendar.invalidate.{model.__name__}.{signal is post_save}",
                )
