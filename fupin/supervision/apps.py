from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "fupin.supervision"
    label = "supervision"
    verbose_name = "监管预警与督办"

    def ready(self) -> None:
        from fupin.audit.registry import audit
        from fupin.registry.signals import household_changed
        from fupin.workflows.signals import case_changed

        from . import digest, flows, models, params, receivers, tabs  # noqa: F401 - flow, tab, params

        household_changed.connect(receivers.on_household_changed, dispatch_uid="supervision.hh")
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
