"""Test helpers shared by every app: personas and the jurisdiction harness (STYLE rule 10).

The harness proves, for one endpoint, that an in-region user is served, a read-only user of
the same region is refused a write with 403, and a user of a sibling region gets 404
(`assert_jurisdiction`); and, for every detail endpoint of an object, that a user gets 404 on
the objects of a sibling region and of an ancestor region (`assert_no_foreign_reads`: a
township must not read its neighbour's household nor the county's own records).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.test import Client

# Real codes from the vendored NBS 2023 data: two sibling counties of 遂宁市, Sichuan.
PROVINCE = "51"
CITY = "5109"
COUNTY = "510981"  # 射洪市
SIBLING_COUNTY = "510903"  # 船山区

TEST_REGION_PREFIXES = [COUNTY, SIBLING_COUNTY]


def make_user(
    username: str,
    *grants: tuple[str, str],
    password: str = "Passw0rd!x",  # noqa: S107
    **extra: Any,
) -> Any:
    """Create a user holding (role_code, region_code) grants."""
    from fupin.accounts.models import Grant, User

    user = User.objects.create_user(username=username, password=password, **extra)
    for role_code, region_code in grants:
        Grant.objects.create(user=user, role_id=role_code, region_id=region_code)
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Personas:
    """The three users the harness needs, for one region."""

    in_region: Any
    read_only: Any
    out_of_region: Any


def call(client: Client, method: str, url: str, data: Any = None) -> Any:
    method = method.lower()
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json"
    )


def assert_jurisdiction(
    personas: Personas,
    method: str,
    url: str | Callable[[], str],
    data: Any = None,
    *,
    ok: tuple[int, ...] = (200, 201, 204),
    write: bool | None = None,
) -> None:
    """Check the three personas against one endpoint.

    - in-region: a status in `ok`;
    - read-only (same region): 403 for writes, a status in `ok` for reads;
    - out-of-region: 404.
    `url` may be a callable so each persona gets a fresh target (e.g. after a delete).
    """
    is_write = write if write is not None else method.lower() not in ("get", "head")

    def resolve() -> str:
        return url() if callable(url) else url

    response = call(client_for(personas.out_of_region), method, resolve(), data)
    assert response.status_code == 404, (
        f"out-of-region {method} {resolve()}: {response.status_code}"
    )
    response = call(client_for(personas.read_only), method, resolve(), data)
    if is_write:
        assert response.status_code == 403, (
            f"read-only {method} {resolve()}: {response.status_code}"
        )
    else:
        assert response.status_code in ok, f"read-only {method} {resolve()}: {response.status_code}"
    response = call(client_for(personas.in_region), method, resolve(), data)
    assert response.status_code in ok, (
        f"in-region {method} {resolve()}: {response.status_code} {response.content[:300]!r}"
    )


@dataclass(frozen=True)
class Probe:
    """A detail endpoint of one kind of object: a URL pattern formatted with the object as
    `o` (`"/cases/{o.pk}/"`, `"/cases/{o.case_id}/documents/{o.pk}/"`), a method and a body
    (JSON, or a multipart form when `form`)."""

    url: str
    method: str = "get"
    data: Any = None
    form: bool = False

    def of(self, obj: Any) -> str:
        return self.url.format(o=obj)

    def send(self, client: Client, obj: Any) -> Any:
        if self.form:
            return client.post(self.of(obj), data=self.data or {})
        return call(client, self.method, self.of(obj), self.data)


class _Missing:
    """Stands for an object that does not exist: every id in a probe's URL is a free one."""

    pk = 2_000_000_000

    def __getattr__(self, name: str) -> _Missing:
        return self

    def __format__(self, spec: str) -> str:
        return str(self.pk)


def foreign_read_answers(client: Client, probes: Iterable[Probe | str], *objects: Any) -> list[str]:
    """The probes of `objects` (None left out) that tell the object exists, one line each.

    An answer other than 404 tells, unless a missing object gets the very same refusal (a
    body rejected before any look-up, a method the route does not take): that says nothing.
    """
    answers = []
    for probe in [Probe(p) if isinstance(p, str) else p for p in probes]:
        missing: int | None = None
        for obj in objects:
            if obj is None:
                continue
            status = probe.send(client, obj).status_code
            if status == 404:
                continue
            if missing is None:
                missing = probe.send(client, _Missing()).status_code
            if status >= 400 and status == missing:
                continue
            answers.append(
                f"{probe.method.upper()} {probe.of(obj)} ({type(obj).__name__} {obj.pk}): {status}"
            )
    return answers


def assert_no_foreign_reads(
    client: Client, probes: Iterable[Probe | str], *, sibling: Any, ancestor: Any = None
) -> None:
    """Every probe answers an object of a sibling region and one of an ancestor region (None
    when the kind has no object at that level) as if it did not exist — reads and writes
    alike, so that not even a validation error tells the object is there."""
    answers = foreign_read_answers(client, list(probes), sibling, ancestor)
    assert not answers, "readable outside the jurisdiction:\n" + "\n".join(answers)


@contextmanager
def shared_data(django_db_blocker: Any) -> Iterator[None]:
    """For a module- or class-scoped fixture: data that several tests read, made once.

    The data is written inside a transaction that stays open while the tests run and is
    rolled back after the last of them. Each test's own transaction (pytest-django's `db`)
    is a savepoint inside it, so a test still sees the data fresh and its changes still roll
    back; only sequences move on. It is marked like Django's TestCase transactions, so a
    durable atomic block in the load behaves as in `setUpTestData`. Not for transactional
    tests (they flush the tables and cannot run inside a transaction).
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls on threads released together, each on its own database connection (a
    transactional test); each result is the call's value or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
