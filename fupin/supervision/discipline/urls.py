"""URL patterns of the discipline pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from fupin.supervision.discipline import views as discipline

urlpatterns: list[URLPattern] = [
    path("discipline/", discipline.overview, name="discipline"),
    path("discipline/<str:kind>/", discipline.kind_detail, name="discipline_kind"),
]
