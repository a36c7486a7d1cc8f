from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "fupin.workflows"
    label = "workflows"
    verbose_name = "识别退出与动态管理"

    def ready(self) -> None:
        import fupin.workflows.tabs  # noqa: F401 - the household page's 办件 tab
        from fupin.audit.registry import audit

        from . import flows, models, params, risk, rules  # noqa: F401 - registers flows and parameters

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
