"""Public pages (no login): running notices, objections, self-declaration. Mounted at
/public/ (namespace "public"); the login middleware lets /public/ through."""

from django.urls import URLPattern, path

from fupin.workflows.public import views as public

app_name = "public"
urlpatterns: list[URLPattern] = [
    path("notices/", public.notice_index, name="notices"),
    path("notices/<int:pk>/", public.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/objection/", public.objection, name="objection"),
    path("notices/<int:pk>/pdf/", public.notice_pdf, name="notice_pdf"),
    path("declare/", public.declare, name="declare"),
]
