"""Load shedding (issue 15 point 5): a request that queued too long, or one past the process's
in-flight limit, gets 503 with Retry-After at once and never reaches the views."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory, override_settings

from fupin.core.outage import LoadShedMiddleware, database_unavailable, queue_wait_ms

BUSY = "系统繁忙，请稍后重试"


def stamp(seconds_ago: float) -> str:
    return (
        f"t={time.time() - seconds_ago:.3f}"  # nginx: proxy_set_header X-Request-Start "t=${msec}"
    )


def test_queue_wait_reads_the_front_end_stamp_in_any_unit() -> None:
    now = 1_733_500_000.0
    assert queue_wait_ms("t=1733499998.500", now=now) == pytest.approx(1500)
    assert queue_wait_ms("t=1733499998500", now=now) == pytest.approx(1500)  # milliseconds
    assert queue_wait_ms("1733499998500000", now=now) == pytest.approx(1500)  # microseconds
    assert queue_wait_ms("t=1733500005.000", now=now) == 0  # a clock ahead: no wait
    assert queue_wait_ms("", now=now) is None
    assert queue_wait_ms("t=yesterday", now=now) is None


@pytest.mark.django_db
@override_settings(FUPIN_MAX_QUEUE_WAIT_MS=2000, FUPIN_RETRY_AFTER_SECONDS=7)
def test_a_request_that_queued_too_long_is_answered_503_at_once(client: Client) -> None:
    stale = client.get("/login/", HTTP_X_REQUEST_START=stamp(30))
    assert stale.status_code == 503
    assert stale["Retry-After"] == "7"
    text = stale.content.decode()
    assert BUSY in text and 'lang="zh-CN"' in text
    assert "登录" not in text  # the view never ran

    api = client.get("/api/v1/regions", HTTP_X_REQUEST_START=stamp(30))
    assert api.status_code == 503
    assert api.json() == {"code": "overloaded", "message": BUSY}

    assert client.get("/login/", HTTP_X_REQUEST_START=stamp(0.1)).status_code == 200
    assert client.get("/login/").status_code == 200  # no stamp (no nginx): no check
    assert client.get("/healthz", HTTP_X_REQUEST_START=stamp(30)).status_code == 200


@override_settings(FUPIN_MAX_QUEUE_WAIT_MS=0)
def test_the_wait_check_can_be_turned_off() -> None:
    middleware = LoadShedMiddleware(lambda request: HttpResponse("served"))
    request = RequestFactory().get("/", HTTP_X_REQUEST_START=stamp(600))
    assert middleware(request).status_code == 200


@override_settings(FUPIN_MAX_IN_FLIGHT=2)
def test_requests_past_the_in_flight_limit_are_turned_away() -> None:
    release = threading.Event()
    entered = threading.Barrier(3)

    def slow_view(request: HttpRequest) -> HttpResponse:
        entered.wait(timeout=5)
        release.wait(timeout=5)
        return HttpResponse("served")

    middleware = LoadShedMiddleware(slow_view)
    factory = RequestFactory()
    results: list[int] = []
    workers = [
        threading.Thread(target=lambda: results.append(middleware(factory.get("/")).status_code))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    entered.wait(timeout=5)  # both are inside the view
    turned_away = middleware(factory.get("/"))
    assert turned_away.status_code == 503
    assert turned_away["Retry-After"] == "10"
    release.set()
    for worker in workers:
        worker.join(timeout=5)
    assert results == [200, 200]
    assert middleware.in_flight == 0
    assert LoadShedMiddleware(lambda request: HttpResponse()).in_flight == 0


@pytest.mark.django_db  # closing an answer sends request_finished: old connections are closed
@override_settings(FUPIN_MAX_IN_FLIGHT=1)
def test_a_streamed_answer_counts_until_the_server_closes_it() -> None:
    middleware = LoadShedMiddleware(lambda request: StreamingHttpResponse(iter([b"a", b"b"])))
    factory = RequestFactory()
    streaming: Any = middleware(factory.get("/export/"))
    assert middleware.in_flight == 1
    assert middleware(factory.get("/")).status_code == 503
    b"".join(streaming.streaming_content)
    streaming.close()
    assert middleware.in_flight == 0
    assert middleware(factory.get("/")).status_code == 200


def test_database_unavailable_recognises_wrapped_driver_errors() -> None:
    import psycopg
    from django.db import IntegrityError, OperationalError

    try:
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        except psycopg.OperationalError as driver:
            raise RuntimeError("while rendering") from driver
    except RuntimeError as exc:
        assert database_unavailable(exc)
    assert database_unavailable(OperationalError("connection refused"))
    assert not database_unavailable(IntegrityError("duplicate key"))
    assert not database_unavailable(None)
    looped = ValueError("a")
    looped.__context__ = KeyError("b")
    looped.__context__.__context__ = looped
    assert not database_unavailable(looped)


@pytest.mark.django_db
@override_settings(FUPIN_MAX_QUEUE_WAIT_MS=2000)
def test_shedding_logs_one_line_a_second_not_an_error_per_request(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING"):
        for _ in range(3):
            assert client.get("/login/", HTTP_X_REQUEST_START=stamp(30)).status_code == 503
    assert [r.name for r in caplog.records] == ["fupin.core.outage"]
    assert "load shedding: 1 request(s)" in caplog.records[0].getMessage()
