"""URL patterns of the alerts pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
