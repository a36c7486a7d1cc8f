"""URL patterns of the discipline pages and the inbox (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from .views import discipline, inbox

urlpatterns: list[URLPattern] = [
    path("discipline/", discipline.overview, name="discipline"),
    path("discipline/<str:kind>/", discipline.kind_detail, name="discipline_kind"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read-all/", inbox.read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", inbox.message, name="message"),
]
