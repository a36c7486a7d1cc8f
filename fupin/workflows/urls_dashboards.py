"""URL patterns of the exit dashboards, samples and surveys (included by fupin/workflows/urls.py)."""

from django.urls import URLPattern, path

from .views import dashboards as views

urlpatterns: list[URLPattern] = [
    path("dashboards/household-exit/", views.exit_dashboard, name="exit_dashboard"),
    path("dashboards/village-exit/", views.village_exit_dashboard, name="village_exit_dashboard"),
    path("dashboards/county-exit/", views.county_exit_dashboard, name="county_exit_dashboard"),
    path("samples/", views.sample_list, name="samples"),
    path("samples/new/", views.sample_new, name="sample_new"),
    path("samples/<int:pk>/", views.sample_detail, name="sample_detail"),
    path("samples/<int:pk>/export/", views.sample_export, name="sample_export"),
    path("samples/items/<int:pk>/", views.sample_finding, name="sample_finding"),
    path("surveys/", views.surveys, name="surveys"),
]
