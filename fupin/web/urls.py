from django.urls import path

from . import calendar, codes, parameters

app_name = "web"

urlpatterns = [
    path("parameters/", parameters.parameters, name="parameters"),
    path("parameters/set/", parameters.parameter_set, name="parameter_set"),
    path("parameters/<int:pk>/delete/", parameters.parameter_delete, name="parameter_delete"),
    path("codes/", codes.codes, name="codes"),
    path("codes/add/", codes.code_add, name="code_add"),
    path("codes/<int:pk>/", codes.code_update, name="code_update"),
    path("calendar/", calendar.calendar_years, name="calendar"),
    path("calendar/<int:year>/", calendar.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/save/", calendar.calendar_year_save, name="calendar_year_save"),
    path("calendar/<int:year>/status/", calendar.calendar_year_status, name="calendar_year_status"),
]
