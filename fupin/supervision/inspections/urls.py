"""URL patterns of the inspections pages (included by fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from fupin.supervision.inspections import views as inspections

urlpatterns: list[URLPattern] = [
    path("inspections/", inspections.inspections, name="inspections"),
    path("inspections/groups/new/", inspections.group_new, name="inspection_group_new"),
    path("inspections/plans/new/", inspections.plan_new, name="inspection_plan_new"),
    path("inspections/plans/<int:pk>/", inspections.plan_detail, name="inspection_plan"),
    path(
        "inspections/plans/<int:pk>/visits/new/",
        inspections.visit_new,
        name="inspection_visit_new",
    ),
    path("inspections/visits/<int:pk>/findings/new/", inspections.finding_new, name="finding_new"),
]
