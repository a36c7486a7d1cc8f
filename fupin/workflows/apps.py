from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "fupin.workflows"
    label = "workflows"
    verbose_name = "识别退出与动态管理"

    def ready(self) -> None:
        from fupin.audit.registry import audit

        from . import flows, models, params, risk  # noqa: F401 - registers flows and parameters

        for model in (
            models.Case,
            models.Transition,
            models.CaseDocument,
            models.Notice,
            models.NoticeEntry,
            models.Objection,
            models.Sample,
            models.SampleItem,
            models.Survey,
        ):
            audit(model)
