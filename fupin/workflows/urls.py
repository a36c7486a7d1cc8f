"""Staff pages of the workflows app, mounted at /cases/ (namespace "workflows"): each
sub-package brings its patterns."""

from fupin.workflows.cases import urls as urls_cases
from fupin.workflows.dashboards import urls as urls_dashboards
from fupin.workflows.notices import urls as urls_notices
from fupin.workflows.samples import urls as urls_samples

app_name = "workflows"
urlpatterns = [
    *urls_cases.urlpatterns,
    *urls_notices.urlpatterns,
    *urls_dashboards.urlpatterns,
    *urls_samples.urlpatterns,
]
