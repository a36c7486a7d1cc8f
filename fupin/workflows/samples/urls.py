"""URL patterns of the samples and surveys pages (included by fupin/workflows/urls.py)."""

from django.urls import URLPattern, path

from fupin.workflows.samples import views

urlpatterns: list[URLPattern] = [
    path("samples/", views.sample_list, name="samples"),
    path("samples/new/", views.sample_new, name="sample_new"),
    path("samples/<int:pk>/", views.sample_detail, name="sample_detail"),
    path("samples/<int:pk>/export/", views.sample_export, name="sample_export"),
    path("samples/items/<int:pk>/", views.sample_finding, name="sample_finding"),
    path("surveys/", views.surveys, name="surveys"),
]
