from django.urls import path

from . import parameters

app_name = "web"

urlpatterns = [
    path("parameters/", parameters.parameters, name="parameters"),
    path("parameters/set/", parameters.parameter_set, name="parameter_set"),
    path("parameters/<int:pk>/delete/", parameters.parameter_delete, name="parameter_delete"),
]
