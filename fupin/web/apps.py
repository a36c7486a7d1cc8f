from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fupin.web"
    label = "web"
    verbose_name = "界面"
