from django.urls import path, register_converter

from . import reveal, views


class RegionCodeConverter:
    """A native-length region code: 2, 4, 6, 9 or 12 digits."""

    regex = "[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RegionCodeConverter, "rcode")

app_name = "regions"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("tree/<rcode:code>/children/", views.tree_children, name="tree_children"),
    path("r/<rcode:code>/", views.region_detail, name="detail"),
    path("r/<rcode:code>/profile/edit/", views.profile_edit, name="profile_edit"),
    path("battle-zones/", views.battle_zones, name="battle_zones"),
    path("battle-zones/new/", views.battle_zone_create, name="battle_zone_create"),
    path("battle-zones/<int:pk>/edit/", views.battle_zone_edit, name="battle_zone_edit"),
    path("command-units/", views.command_units, name="command_units"),
    path("command-units/new/", views.command_unit_create, name="command_unit_create"),
    path("command-units/<int:pk>/", views.command_unit_detail, name="command_unit"),
    path("command-units/<int:pk>/edit/", views.command_unit_edit, name="command_unit_edit"),
    path("command-units/<int:pk>/members/", views.member_add, name="member_add"),
    path(
        "command-units/<int:pk>/members/<int:member_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:pk>/phone/",
        reveal.organisation_phone_reveal,
        name="organisation_phone_reveal",
    ),
    path("command-members/<int:pk>/phone/", reveal.member_phone_reveal, name="member_phone_reveal"),
]
