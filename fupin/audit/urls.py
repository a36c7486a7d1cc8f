from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.events, name="events"),
    path("history/<str:table>/<str:pk>/", views.history, name="history"),
    path("batches/<int:pk>/", views.batch, name="batch"),
]
