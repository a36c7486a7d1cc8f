from django.contrib.auth import views as auth_views
from django.urls import include, path

from fupin.accounts.views import LoginView
from fupin.api.api import api
from fupin.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("fupin.accounts.urls")),
    path("regions/", include("fupin.regions.urls")),
    path("registry/", include("fupin.registry.urls")),
    path("cases/", include("fupin.workflows.urls")),
    path("public/", include("fupin.workflows.public_urls")),
    path("supervision/", include("fupin.supervision.urls")),
    path("audit/", include("fupin.audit.urls")),
    path("system/", include("fupin.web.urls")),
    path("api/v1/", api.urls),
]

handler403 = "fupin.web.errors.forbidden"
handler404 = "fupin.web.errors.not_found"
handler500 = "fupin.web.errors.server_error"
