from fupin.core import platform


class DemoConfig(platform.FupinApp):
    name = "fupin.demo"
    label = "demo"
    verbose_name = "演示数据"
