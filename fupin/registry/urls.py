"""Registry pages, mounted at /registry/. Each area keeps its own URL module."""

from django.urls import include, path

app_name = "registry"

urlpatterns = [
    path("", include("fupin.registry.pages.urls")),
    path("validation/", include("fupin.registry.validation.urls")),
    path("io/", include("fupin.registry.io.urls")),
    path("snapshots/", include("fupin.registry.snapshots.urls")),
    path("export/", include("fupin.registry.exports.urls")),
]
