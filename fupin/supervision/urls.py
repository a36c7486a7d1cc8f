"""Staff pages of the supervision app, mounted at /supervision/ (namespace "supervision"): each
sub-package brings its patterns."""

from fupin.supervision.accountability import urls as urls_accountability
from fupin.supervision.alerts import urls as urls_alerts
from fupin.supervision.discipline import urls as urls_discipline
from fupin.supervision.inspections import urls as urls_inspections
from fupin.supervision.lights import urls as urls_lights

app_name = "supervision"
urlpatterns = [
    *urls_alerts.urlpatterns,
    *urls_inspections.urlpatterns,
    *urls_lights.urlpatterns,
    *urls_accountability.urlpatterns,
    *urls_discipline.urlpatterns,
]
