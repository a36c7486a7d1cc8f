"""Every page and every API operation needs a login, except an explicit public allow-list.

The walk covers every URL pattern of config.urls, so a new page that forgets to require a
login — or a new public page nobody added to PUBLIC below — fails this test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters
from django.urls.resolvers import RegexPattern, RoutePattern

from fupin.api.api import api

pytestmark = pytest.mark.django_db

# Route strings (as written in the URLconfs) that anonymous users may open.
PUBLIC = {
    "login/",
    "healthz",
    "api/v1/docs",
    "api/v1/openapi.json",
    # The public notices API (SPEC §8): running notices, masked lines only.
    "api/v1/public/notices",
    "api/v1/public/notices/<notice_id>",
    # The public portal's notices, objections and self-declaration (SPEC §8).
    "public/notices/",
    "public/notices/<int:pk>/",
    "public/notices/<int:pk>/objection/",
    "public/notices/<int:pk>/pdf/",
    "public/declare/",
}
# Routes that are no page at all: ninja's API root answers 404 unless DEBUG is on.
NOT_FOUND = {"api/v1/"}
# API operations (method, path) that answer without authentication.
PUBLIC_API: set[tuple[str, str]] = {
    ("GET", "/api/v1/public/notices"),
    ("GET", "/api/v1/public/notices/{notice_id}"),
    ("POST", "/api/v1/public/notices/{notice_id}/objections"),
}

DUMMY_CANDIDATES = ["510981", "1", "x", "00000000-0000-0000-0000-000000000000"]


def dummy_for(converter_name: str) -> str:
    regex = get_converters()[converter_name].regex
    for candidate in DUMMY_CANDIDATES:
        if re.fullmatch(regex, candidate):
            return candidate
    raise AssertionError(f"no dummy value matches converter {converter_name!r} ({regex})")


def fill(route: str) -> str:
    return re.sub(
        r"<(?:(?P<conv>[^>:]+):)?(?P<name>\w+)>",
        lambda m: dummy_for(m.group("conv") or "str"),
        route,
    )


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RegexPattern):
            raise AssertionError(f"regex URL pattern {pattern} under {prefix!r}: use path()")
        assert isinstance(pattern, RoutePattern)
        route = prefix + str(pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        else:
            yield route, entry


ALL_ROUTES = sorted({route for route, _ in walk(get_resolver().url_patterns)})


def test_the_walk_sees_the_whole_site() -> None:
    assert "" in ALL_ROUTES and "login/" in ALL_ROUTES
    assert any(r.startswith("api/v1/") for r in ALL_ROUTES)
    assert set(ALL_ROUTES) >= PUBLIC, "allow-list names a route that no longer exists"


@pytest.mark.parametrize("route", [r for r in ALL_ROUTES if r not in PUBLIC | NOT_FOUND])
def test_anonymous_get_is_refused(client: Client, route: str) -> None:
    url = "/" + fill(route)
    response = client.get(url)
    if route.startswith("api/"):
        # GET on a path that only has POST/PUT/DELETE operations answers 405 before auth;
        # test_every_api_operation_requires_authentication covers those operations.
        assert response.status_code in (401, 405), f"{url}: {response.status_code}"
        if response.status_code == 401:
            assert response.json()["code"] == "unauthenticated"
    else:
        assert response.status_code == 302, f"{url}: {response.status_code}"
        assert response["Location"].startswith("/login/?next="), response["Location"]


def api_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


@pytest.mark.parametrize(("method", "path"), api_operations())
def test_every_api_operation_requires_authentication(
    client: Client, method: str, path: str
) -> None:
    schema_op = api.get_openapi_schema()["paths"][path][method.lower()]
    if (method, path) in PUBLIC_API:
        return
    assert schema_op.get("security"), f"{method} {path} declares no authentication"
    url = re.sub(r"\{[^}]+\}", "1", path)
    response = client.generic(method, url, data=json.dumps({}), content_type="application/json")
    assert response.status_code == 401, f"{method} {url}: {response.status_code}"


@pytest.mark.parametrize("route", sorted(NOT_FOUND))
def test_non_pages_answer_404(client: Client, route: str) -> None:
    assert client.get("/" + route).status_code == 404


def test_public_pages_load_anonymously(client: Client) -> None:
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").content == b"ok"


def test_api_docs_and_schema_load(client: Client) -> None:
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"openapi.json" in docs.content
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["info"]["title"] == "精准扶贫大数据监管平台 API"
    assert body["paths"], "the API has no operations"
