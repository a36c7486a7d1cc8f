"""Staff pages of the supervision app, mounted at /supervision/ (namespace "supervision")."""

from . import urls_alerts, urls_discipline, urls_inspections

app_name = "supervision"
urlpatterns = [
    *urls_alerts.urlpatterns,
    *urls_inspections.urlpatterns,
    *urls_discipline.urlpatterns,
]
