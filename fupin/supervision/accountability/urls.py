"""URL patterns of the accountability pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from fupin.supervision.accountability import views as accountability

urlpatterns: list[URLPattern] = [
    path("accountability/", accountability.record_list, name="accountability"),
    path("accountability/new/", accountability.record_new, name="accountability_new"),
]
