"""Household pages under /registry/ (namespace "registry")."""

from django.urls import path

from . import reveal, views

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/changes/new/", views.change_create, name="change_create"),
    path("households/<int:pk>/incomes/<int:year>/", views.income_edit, name="income_edit"),
    path("changes/<int:pk>/evidence/", views.change_evidence, name="change_evidence"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/id-number/", reveal.member_reveal, name="member_reveal"),
    path(
        "households/<int:pk>/reveal/<str:field>/",
        reveal.household_reveal,
        name="household_reveal",
    ),
]
