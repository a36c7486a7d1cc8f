"""A URLconf for the error-page tests: the real site plus views that fail on purpose."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns


def forbidden_view(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns: list[URLPattern | URLResolver] = [
    *site_urlpatterns,
    path("test-errors/403/", forbidden_view),
    path("test-errors/500/", broken_view),
    path("api/test-errors/500/", broken_view),
]
