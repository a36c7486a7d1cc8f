"""Bad input never gives a 500 (issue 12, point 6): every page and every API operation, as
an anonymous caller and as a signed-in county user, is sent a NUL byte in each query
parameter, in the path, in a form field, in a JSON body and in the headers the platform
stores or looks up, and every POST a multipart body without a boundary, with a malformed
boundary and cut short, invalid JSON and an unknown charset. Each is refused by
`fupin.core.inputguard` before a view runs: 400 (pages, unreadable API bodies) or the API's
422 for a NUL, never a 500.

The walk is the one of `fupin/web/tests/test_urls_require_login.py` (every URL pattern of
config.urls, `<int:pk>`-style parts filled with a dummy value) plus the OpenAPI schema of
the one NinjaAPI for the query parameters each operation reads.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from fupin.api.api import api
from fupin.testing import COUNTY, make_user
from fupin.web.tests.test_urls_require_login import ALL_ROUTES, fill

pytestmark = pytest.mark.django_db

# Parameters pages and the API commonly read, sent to every endpoint whether it reads them
# or not (a view that reads one it does not declare is caught too).
COMMON_PARAMS = ("q", "page", "cursor", "after", "region", "year", "status", "size", "tab")
NUL = "a\x00b"
HUGE = "9" * 25
BOUNDARY_LESS = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"
PART = b'--xyz\r\nContent-Disposition: form-data; name="q"\r\n\r\n'


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    url: str
    kwargs: dict[str, Any]
    expect: tuple[int, ...]


def _api_operations() -> list[tuple[str, str, list[str]]]:
    out = []
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, op in item.items():
            params = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            out.append((method.upper(), path, params))
    return sorted(out)


API_OPERATIONS = _api_operations()
PAGE_ROUTES = [r for r in ALL_ROUTES if not r.startswith("api/")]


def body_probes(url: str) -> list[Probe]:
    """The malformed bodies every POST endpoint is sent."""
    api_ = url.startswith("/api/")
    nul_status = (422,) if api_ else (400,)
    return [
        Probe("form NUL", "post", url, _raw(b"q=a%00b&name=a%00b", FORM), nul_status),
        Probe("multipart, no boundary", "post", url, _raw(b"q=1", BOUNDARY_LESS), (400,)),
        Probe(
            "multipart, malformed boundary",
            "post",
            url,
            _raw(PART + b"1\r\n--xyz--\r\n", BOUNDARY_LESS + "; boundary=" + "x" * 250),
            (400,),
        ),
        Probe(
            "multipart, truncated",
            "post",
            url,
            _raw(PART + b"1", BOUNDARY_LESS + "; boundary=xyz"),
            (),  # Django reads what there is: only "no 500" is asserted
        ),
        Probe(
            "multipart NUL field",
            "post",
            url,
            _raw(PART + b"a\x00b\r\n--xyz--\r\n", BOUNDARY_LESS + "; boundary=xyz"),
            nul_status,
        ),
        Probe(
            "urlencoded, unknown charset",
            "post",
            url,
            _raw(b"q=%E4%B8%80", FORM + "; charset=no-such-charset"),
            (),  # not an error: Django falls back to UTF-8; only "no 500" is asserted
        ),
        Probe(
            "multipart, unknown charset",
            "post",
            url,
            _raw(PART + b"1\r\n--xyz--\r\n", BOUNDARY_LESS + "; boundary=xyz; charset=nope"),
            (),
        ),
        Probe("invalid JSON", "post", url, _raw(b'{"q": ', "application/json"), (400,)),
        Probe(
            "JSON, bad UTF-8", "post", url, _raw(b'{"q": "\xff\xfe"}', "application/json"), (400,)
        ),
        Probe("JSON NUL", "post", url, _raw(b'{"q": "a\\u0000b"}', "application/json"), nul_status),
    ]


def _raw(body: bytes, content_type: str) -> dict[str, Any]:
    return {"data": body, "content_type": content_type}


def header_probes(url: str) -> list[Probe]:
    nul_status = (422,) if url.startswith("/api/") else (400,)
    return [
        Probe("User-Agent NUL", "get", url, {"HTTP_USER_AGENT": NUL}, nul_status),
        Probe("X-Forwarded-For NUL", "get", url, {"HTTP_X_FORWARDED_FOR": NUL}, nul_status),
        Probe("session cookie NUL", "get", url, {"HTTP_COOKIE": 'sessionid="a\\000b"'}, nul_status),
    ]


def query_probes(url: str, params: list[str]) -> list[Probe]:
    nul_status = (422,) if url.startswith("/api/") else (400,)
    names = dict.fromkeys([*params, *COMMON_PARAMS])
    probes = [Probe(f"NUL in {n}", "get", url, {"data": {n: NUL}}, nul_status) for n in names]
    probes.append(Probe("NUL in path", "get", url.rstrip("/") + "/a%00b/", {}, nul_status))
    probes.append(Probe("raw NUL in path", "get", url + "\x00", {}, nul_status))
    return probes


def page_probes() -> list[Probe]:
    probes = []
    for route in PAGE_ROUTES:
        url = "/" + fill(route)
        probes += query_probes(url, []) + header_probes(url) + body_probes(url)
        # A number past PostgreSQL's integer passes the guard: the view must bound it. (A
        # run of schemathesis-like values over every parameter found only `year`.)
        probes.append(Probe("huge year", "get", url, {"data": {"year": HUGE}}, ()))
    return probes


def api_probes() -> list[Probe]:
    probes = []
    for method, path, params in API_OPERATIONS:
        url = re.sub(r"\{[^}]+\}", "1", path)
        if method == "GET":
            probes += query_probes(url, params) + header_probes(url)
        else:
            probes += [
                Probe(p.name, method.lower(), p.url, p.kwargs, p.expect) for p in body_probes(url)
            ]
            probes += [
                Probe(f"{method} NUL in {n}", method.lower(), f"{url}?{n}=a%00b", {}, (422,))
                for n in dict.fromkeys([*params, "q"])
            ]
    return probes


def run(client: Client, probes: list[Probe], user: Any = None) -> list[str]:
    """Send every probe; a signed-in client whose session a probe ended signs in again."""
    failures = []
    for probe in probes:
        session = client.cookies.get("sessionid")
        kwargs = dict(probe.kwargs)
        if "content_type" in kwargs:  # a raw body, sent as is (post() would re-encode it)
            response = client.generic(probe.method.upper(), probe.url, **kwargs)
        else:
            response = getattr(client, probe.method)(probe.url, **kwargs)
        status = response.status_code
        if status >= 500 or (probe.expect and status not in probe.expect):
            failures.append(f"{probe.method.upper()} {probe.url!r} [{probe.name}]: {status}")
        if user is not None and client.cookies.get("sessionid") != session:
            client.force_login(user)
    return failures


@pytest.fixture
def sweep(db: Any) -> Any:
    """Run probes as "anonymous" or as "county user" (the county poverty office)."""
    user = make_user("bad_input_office", ("poverty_office", COUNTY))

    def _run(who: str, probes: list[Probe]) -> list[str]:
        client = Client(raise_request_exception=False)
        if who == "anonymous":
            return run(client, probes)
        client.force_login(user)
        return run(client, probes, user)

    return _run


def test_the_sweep_covers_every_endpoint() -> None:
    assert len(PAGE_ROUTES) > 50 and len(API_OPERATIONS) > 50
    assert any(path == "/api/v1/public/notices" for _, path, _ in API_OPERATIONS)
    assert "public/notices/" in PAGE_ROUTES


@pytest.mark.parametrize("who", ["anonymous", "county user"])
def test_no_page_answers_bad_input_with_500(sweep: Any, who: str) -> None:
    failures = sweep(who, page_probes())
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", ["anonymous", "county user"])
def test_no_api_operation_answers_bad_input_with_500(sweep: Any, who: str) -> None:
    failures = sweep(who, api_probes())
    assert not failures, "\n".join(failures)


def test_a_page_refuses_nul_with_a_chinese_400_page(client: Client) -> None:
    response = client.get("/public/notices/", {"q": NUL})
    assert response.status_code == 400
    assert "提交的内容含有非法字符" in response.content.decode()


def test_the_api_refuses_nul_in_its_own_error_shape(client: Client) -> None:
    response = client.get("/api/v1/public/notices", {"q": NUL})
    assert response.status_code == 422
    assert response.json() == {"code": "validation_failed", "message": "提交的内容含有非法字符"}


def test_a_boundary_less_multipart_post_is_a_chinese_400(client: Client) -> None:
    page = client.generic("POST", "/login/", b"username=a", content_type=BOUNDARY_LESS)
    assert page.status_code == 400 and "请刷新页面后重新提交" in page.content.decode()
    api_ = client.generic("POST", "/api/v1/public/notices/1/objections", b"x", BOUNDARY_LESS)
    assert api_.status_code == 400 and api_.json()["code"] == "bad_request"


def test_too_many_fields_are_refused_in_chinese(client: Client) -> None:
    query = "&".join(f"f{i}=1" for i in range(1100))  # Django's limit: 1,000 fields
    page = client.get(f"/public/notices/?{query}")
    assert page.status_code == 400 and "提交的字段过多" in page.content.decode()
    api_ = client.generic("POST", "/api/v1/public/notices/1/objections", query, FORM)
    assert api_.status_code == 400 and api_.json()["message"] == "提交的字段过多"


def test_a_view_reading_the_json_body_itself_gets_no_nul_or_nan(db: Any) -> None:
    # The user pages parse request.body themselves (htmx json-enc), past the API's Schema.
    client = Client(raise_request_exception=False)
    client.force_login(make_user("json_admin", ("region_admin", COUNTY)))
    fields = {"real_name": "张三", "password": "Xy9!long-enough", "role": "viewer"}
    for bad in ({"username": "zhang\x00san"}, {"username": "zhangsan", "title": math.nan}):
        body = json.dumps({**fields, "region": COUNTY, **bad}).encode()
        response = client.generic("POST", "/accounts/users/new/", body, "application/json")
        assert response.status_code == 400, (bad, response.status_code)
        assert "提交的" in response.content.decode()


def test_a_valid_json_body_still_reaches_the_api_after_the_guard_read_it(client: Client) -> None:
    # The guard reads the body first; the operation must still be able to read it (422 from
    # the operation's own schema, not Django's "cannot access body after reading" 500).
    response = client.post(
        "/api/v1/public/notices/1/objections", data={"q": "1"}, content_type="application/json"
    )
    assert response.status_code in (404, 422)
    # A form where JSON is expected: the operation's own refusal, in Chinese, not a 500.
    form = client.post("/api/v1/public/notices/1/objections", data={"q": "1"})
    assert form.status_code == 400
    assert form.json() == {"code": "bad_request", "message": "提交的内容不是有效的 JSON"}
