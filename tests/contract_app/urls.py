from django.urls import path

from . import views

app_name = "contract_app"

urlpatterns = [path("", views.home, name="home")]
