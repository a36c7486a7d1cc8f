"""Yearly snapshots (年度数据), mounted at /registry/snapshots/ in the "registry" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="snapshots"),
    path("freeze/", views.freeze, name="snapshot_freeze"),
    path("<int:year>/export.xlsx", views.export, name="snapshot_export"),
    path("<int:year>/households/<int:household_id>/", views.household, name="snapshot_household"),
]
