"""Mounted under the registry namespace at /registry/export/ (no app_name of its own)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.household_export, name="export"),
    path("records/", views.export_records, name="export_records"),
]
