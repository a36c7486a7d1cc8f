"""URL patterns of the exit dashboards (included by fupin/workflows/urls.py)."""

from django.urls import URLPattern, path

from fupin.workflows.dashboards import views

urlpatterns: list[URLPattern] = [
    path("dashboards/household-exit/", views.exit_dashboard, name="exit_dashboard"),
    path("dashboards/village-exit/", views.village_exit_dashboard, name="village_exit_dashboard"),
    path("dashboards/county-exit/", views.county_exit_dashboard, name="county_exit_dashboard"),
]
