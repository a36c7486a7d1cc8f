"""URL patterns of the notices pages (included by fupin/workflows/urls.py)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
