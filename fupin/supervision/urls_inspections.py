"""URL patterns of the inspections pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
