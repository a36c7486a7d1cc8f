"""The project's URLs: every app's mounts, in INSTALLED_APPS order (see fupin.core.platform)."""

from django.urls import URLPattern, URLResolver, include, path

from fupin.core.platform import url_mounts

urlpatterns: list[URLPattern | URLResolver] = [
    path(prefix, include(module)) for prefix, module in url_mounts()
]

handler403 = "fupin.web.errors.forbidden"
handler404 = "fupin.web.errors.not_found"
handler500 = "fupin.web.errors.server_error"
