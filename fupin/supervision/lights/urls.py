"""URL patterns of the traffic-light pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from fupin.supervision.lights import views as lights

urlpatterns: list[URLPattern] = [
    path("lights/", lights.board, name="lights"),
    path("lights/targets/", lights.target_form, name="light_target"),
    path("lights/targets/<int:pk>/interview/", lights.interview, name="light_interview"),
]
