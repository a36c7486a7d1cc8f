from fupin.core import platform
from fupin.core.access import CASE_WORKERS, STAFF_READERS, Perm


class SupervisionConfig(platform.FupinApp):
    name = "fupin.supervision"
    label = "supervision"
    verbose_name = "监管预警与督办"

    permissions = {
        Perm.ALERT_VIEW: tuple(r for r in STAFF_READERS if r != "helper"),
        Perm.ALERT_ACT: CASE_WORKERS,
        Perm.SUPERVISE: ("discipline",),
    }
    nav = (
        platform.NavSection(
            "监管预警",
            (
                platform.NavItem("预警督办", "supervision:alerts", Perm.ALERT_VIEW),
                platform.NavItem("预警规则", "supervision:rules", Perm.ALERT_VIEW),
                platform.NavItem("预警统计", "supervision:dashboard", Perm.ALERT_VIEW),
                platform.NavItem("督查巡查", "supervision:inspections", Perm.ALERT_VIEW),
                platform.NavItem("亮灯预警", "supervision:lights", Perm.ALERT_VIEW),
                platform.NavItem("问责记录", "supervision:accountability", Perm.ALERT_VIEW),
                platform.NavItem("纪委再监督", "supervision:discipline", Perm.SUPERVISE),
            ),
            400,
        ),
    )
    urls = (("supervision/", "fupin.supervision.urls"),)
    api_routers = (("/supervision", "fupin.supervision.api.router"),)

    def register(self) -> None:
        # Imported here, not at the top: this module is loaded before the app registry is
        # ready, and these import models.
        from fupin.audit.registry import audit
        from fupin.registry.signals import household_changed, households_imported
        from fupin.supervision import (  # noqa: F401 - flow, tab, params, figures
            digest,
            figures,
            models,
            params,
            receivers,
            tabs,
        )
        from fupin.supervision.alerts import flows  # noqa: F401 - the alert flow
        from fupin.workflows.signals import case_changed

        household_changed.connect(receivers.on_household_changed, dispatch_uid="supervision.hh")
        households_imported.connect(
            receivers.on_households_imported, dispatch_uid="supervision.import"
        )
        case_changed.connect(receivers.on_case_changed, dispatch_uid="supervision.case")
        # A sweep that finds an alert again only bumps its bookkeeping (hit count, last seen):
        # not a change worth an audit row each (the sweep's batch records the run); evidence
        # and every other column stay audited.
        audit(models.Alert, skip=("last_seen_at", "hit_count"))
        for model in (
            models.SupervisionNotice,
            models.Rectification,
            models.RectificationFile,
            models.Escalation,
            models.InspectionGroup,
            models.InspectionPlan,
            models.InspectionVisit,
            models.Finding,
            models.QuarterTarget,
            models.ReminderInterview,
            models.Accountability,
        ):
            audit(model)
