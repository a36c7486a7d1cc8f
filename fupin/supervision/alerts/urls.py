"""URL patterns of the alerts pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from fupin.supervision.alerts import views

urlpatterns: list[URLPattern] = [
    path("rules/", views.rules, name="rules"),
    path("rules/run/", views.rules_run, name="rules_run"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/step/<str:name>/", views.alert_step, name="alert_step"),
    path("alerts/<int:pk>/rectify/", views.alert_rectify, name="alert_rectify"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/docx/", views.notice_docx, name="notice_docx"),
    path("files/<int:pk>/", views.rectification_file, name="rectification_file"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
