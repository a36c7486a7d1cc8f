"""URL patterns of the cases pages (included by fupin/workflows/urls.py)."""

from django.urls import URLPattern, path

from fupin.workflows.cases import views

urlpatterns: list[URLPattern] = [
    path("", views.case_list, name="case_list"),
    path("queue/", views.queue, name="queue"),
    path("batch/", views.case_batch, name="case_batch"),
    path("new/<str:kind>/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/step/<str:name>/", views.case_step, name="case_step"),
    path("<int:pk>/documents/", views.case_document, name="case_document"),
    path(
        "<int:pk>/documents/<int:document_id>/",
        views.case_document_file,
        name="case_document_file",
    ),
    path("<int:pk>/override/", views.case_override, name="case_override"),
    path("<int:pk>/link/", views.case_link, name="case_link"),
    path("<int:pk>/declarant-phone/", views.case_declarant_reveal, name="case_declarant_reveal"),
    path(
        "<int:pk>/objections/<int:objection_id>/resolve/",
        views.objection_resolve,
        name="objection_resolve",
    ),
]
