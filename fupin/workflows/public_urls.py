"""Public pages (no login): running notices, objections, self-declaration. Mounted at
/public/ (namespace "public"); the login middleware lets /public/ through."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "public"
urlpatterns: list[URLPattern] = []
