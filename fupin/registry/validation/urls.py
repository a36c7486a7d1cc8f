"""Validation pages under /registry/validation/ (names in the "registry" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("doubts/", views.doubts, name="doubts"),
    path("doubts/recheck/", views.recheck, name="doubts_recheck"),
]
