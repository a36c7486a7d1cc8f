"""A URLconf for the fault tests: the real site plus views that lose the database on purpose."""

from django.db import connection, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns
from fupin.accounts.models import User

HALF_WRITTEN = ("half_written_1", "half_written_2", "half_written_3")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def terminate_backend(pid: int) -> None:
    """What a DBA, a failover or an idle-connection reaper does: end the server process of
    another session, from a connection of its own."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def pid_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(backend_pid()), content_type="text/plain")


@csrf_exempt
def write_then_lose_connection(request: HttpRequest) -> HttpResponse:
    # Two rows written, the connection terminated, the third write fails: nothing may remain.
    with transaction.atomic():
        User.objects.create_user(username=HALF_WRITTEN[0])
        User.objects.create_user(username=HALF_WRITTEN[1])
        terminate_backend(backend_pid())
        User.objects.create_user(username=HALF_WRITTEN[2])
    return HttpResponse("saved")


def crash_after_outage(request: HttpRequest) -> HttpResponse:
    # The database goes away while the view runs, then the view fails for another reason.
    connection.close()
    raise RuntimeError("boom")


urlpatterns: list[URLPattern | URLResolver] = [
    *site_urlpatterns,
    path("test-faults/pid/", pid_view),
    path("test-faults/write-then-lose-connection/", write_then_lose_connection),
    path("test-faults/crash-after-outage/", crash_after_outage),
]
