"""URL patterns of the notices pages (included by fupin/workflows/urls.py)."""

from django.urls import URLPattern, path

from fupin.workflows.notices import views as notices

urlpatterns: list[URLPattern] = [
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/objections/", notices.notice_objection, name="notice_objection"),
    path("notices/<int:pk>/pdf/", notices.notice_pdf, name="notice_pdf"),
]
