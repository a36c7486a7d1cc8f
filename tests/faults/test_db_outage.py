"""Acceptance (issue 15 points 4 and 6): during a database outage the API answers JSON 503 and
pages a Chinese 503; the 500 page renders with the database down; a connection terminated
mid-request loses its half-written transaction, answers a Chinese 503, and the next request
is served.

The outage is real, not a mocked cursor: new connections go to a local port nothing listens
on, so psycopg's own "connection refused" reaches Django the way a stopped server gives it.
A terminated connection is ended by pg_terminate_backend from a second connection.

These tests close the connection and commit, so they are transactional; pytest-django
empties every table after them, so the module reloads the test counties and roles before
each test and after the module, like the workflow concurrency tests."""

from __future__ import annotations

import importlib
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import close_old_connections, connections
from django.test import Client, RequestFactory
from django.utils.functional import SimpleLazyObject

from fupin.accounts.middleware import get_actor
from fupin.accounts.models import User
from fupin.testing import COUNTY, TEST_REGION_PREFIXES, client_for, make_user
from fupin.web.errors import server_error

from .urls import HALF_WRITTEN, terminate_backend

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.pgcompat,
    pytest.mark.urls("tests.faults.urls"),
]

DB_DOWN_MESSAGE = "数据库暂时不可用，请稍后重试"


def seed() -> None:
    from django.apps import apps

    from fupin.regions.loader import load_regions

    load_regions(TEST_REGION_PREFIXES)
    importlib.import_module("fupin.accounts.migrations.0003_default_roles").seed_roles(apps, None)


@pytest.fixture(scope="module", autouse=True)
def restore_after_module(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def office(transactional_db: Any) -> Client:
    """A signed-in county office user (the session is in the database, read per request)."""
    seed()
    client = client_for(make_user("county_office", ("poverty_office", COUNTY)))
    client.raise_request_exception = False
    return client


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database_refused(*, close_now: bool = True) -> Iterator[None]:
    """Every new connection of this thread is refused; `close_now` drops the open one too
    (otherwise the request's own code closes it, as if the server went away mid-request)."""
    wrapper = connections["default"]
    port = closed_port()
    original = wrapper.get_connection_params

    def refused() -> dict[str, Any]:
        return {**original(), "host": "127.0.0.1", "port": port}

    if close_now:
        wrapper.close()
    wrapper.get_connection_params = refused  # type: ignore[method-assign]
    try:
        yield
    finally:
        del wrapper.get_connection_params
        wrapper.close()


def assert_chinese_503_page(response: Any) -> str:
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "10"
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert 'lang="zh-CN"' in text
    assert DB_DOWN_MESSAGE in text
    return str(text)


def test_signed_in_page_during_outage_is_a_chinese_503(office: Client) -> None:
    assert office.get("/").status_code == 200
    with database_refused():
        response = office.get("/")
    text = assert_chinese_503_page(response)
    assert "Server Error" not in text


def test_api_call_with_session_during_outage_is_json_503(office: Client) -> None:
    with database_refused():
        response = office.get("/api/v1/regions")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"code": "db_unavailable", "message": DB_DOWN_MESSAGE}


def test_api_call_with_token_during_outage_is_json_503(transactional_db: Any) -> None:
    # No session: the request reaches ninja, whose token lookup is the first query.
    client = Client(raise_request_exception=False)
    with database_refused():
        response = client.get("/api/v1/regions", HTTP_AUTHORIZATION="Bearer some-token")
    assert response.status_code == 503
    assert json.loads(response.content) == {"code": "db_unavailable", "message": DB_DOWN_MESSAGE}


def test_the_500_handler_renders_with_the_database_down(office: Client) -> None:
    # It used to run the context processors (menu, grants, inbox bell), which queried the
    # database that was down: the handler failed in turn and gunicorn answered instead.
    request = RequestFactory().get("/registry/")
    request.user = User.objects.get(username="county_office")  # as the failing view had it
    request.actor = SimpleLazyObject(lambda: get_actor(request))  # type: ignore[attr-defined]
    request.session = SessionStore()
    with database_refused():
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            response = server_error(request)
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统出现错误" in text and 'lang="zh-CN"' in text
    assert "boom" not in text


def test_a_view_failing_as_the_database_goes_away_gets_a_chinese_answer(office: Client) -> None:
    # Through the whole stack the answer is the outage's: resetting the audit context of the
    # connection after the view needs the database too, and it is gone.
    with database_refused(close_now=False):
        response = office.get("/test-faults/crash-after-outage/")
    text = assert_chinese_503_page(response)
    assert "boom" not in text


def test_connection_terminated_mid_request_keeps_nothing_half_written(office: Client) -> None:
    users_before = User.objects.count()
    response = office.post("/test-faults/write-then-lose-connection/")
    assert_chinese_503_page(response)
    assert User.objects.count() == users_before
    assert User.objects.filter(username__in=HALF_WRITTEN).count() == 0
    close_old_connections()  # what Django's handler does as the next request starts
    assert office.get("/").status_code == 200


def test_a_persistent_connection_terminated_between_requests_is_replaced(
    office: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FUPIN_CONN_MAX_AGE in production keeps connections; CONN_HEALTH_CHECKS makes the next
    # request notice that the server ended its connection and open a new one.
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    connections["default"].close()
    pid = int(office.get("/test-faults/pid/").content)
    close_old_connections()
    assert int(office.get("/test-faults/pid/").content) == pid  # kept between requests
    terminate_backend(pid)
    close_old_connections()
    response = office.get("/test-faults/pid/")
    assert response.status_code == 200
    assert int(response.content) != pid
