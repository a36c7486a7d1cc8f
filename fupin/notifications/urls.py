"""The inbox pages (namespace "notifications"), mounted at /supervision/inbox/ — where the
inbox has always been, so bookmarks and the links in old messages keep working."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/", views.message, name="message"),
]
