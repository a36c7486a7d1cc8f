from fupin.core import platform


class ApiConfig(platform.FupinApp):
    name = "fupin.api"
    label = "api"
    verbose_name = "接口"

    # The API assembles every app's routers (FupinApp.api_routers) under /api/v1/.
    urls = (("api/v1/", "fupin.api.urls"),)
