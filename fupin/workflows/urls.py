"""Staff pages of the workflows app, mounted at /cases/ (namespace "workflows")."""

from . import urls_cases, urls_dashboards, urls_notices

app_name = "workflows"
urlpatterns = [*urls_cases.urlpatterns, *urls_notices.urlpatterns, *urls_dashboards.urlpatterns]
