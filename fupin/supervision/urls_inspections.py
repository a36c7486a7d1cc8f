"""URL patterns of the inspections, traffic-light and accountability pages (included by
fupin/supervision/urls.py)."""

from django.urls import URLPattern, path

from .views import accountability, inspections, lights

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
    path("lights/", lights.board, name="lights"),
    path("lights/targets/", lights.target_form, name="light_target"),
    path("lights/targets/<int:pk>/interview/", lights.interview, name="light_interview"),
    path("accountability/", accountability.record_list, name="accountability"),
    path("accountability/new/", accountability.record_new, name="accountability_new"),
]
