"""CSP, Permissions-Policy and no-store on the responses that need them; the API docs behind
the login when production asks for it; the production static storage collects."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

CSP_DIRECTIVES = [
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def directives(response: Any) -> list[str]:
    return [part.strip() for part in response["Content-Security-Policy"].split(";")]


@pytest.mark.parametrize("url", ["/login/", "/public/notices/", "/healthz", "/api/v1/regions"])
def test_every_response_has_the_csp_and_permissions_policy(client: Client, url: str) -> None:
    response = client.get(url)
    found = directives(response)
    for directive in CSP_DIRECTIVES:
        assert directive in found, (url, directive)
    (script,) = [d for d in found if d.startswith("script-src")]
    assert re.fullmatch(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'", script)
    assert "unsafe-inline" not in script and "unsafe-eval" not in script
    policy = response["Permissions-Policy"]
    assert "geolocation=(self)" in policy
    assert "camera=()" in policy and "microphone=()" in policy


def test_inline_scripts_carry_this_requests_nonce(client: Client, county_personas: Any) -> None:
    client.force_login(county_personas.in_region)
    response = client.get("/cases/dashboards/household-exit/")
    assert response.status_code == 200
    (script,) = [d for d in directives(response) if d.startswith("script-src")]
    nonce = script.split("'nonce-")[1].rstrip("'")
    html = response.content.decode()
    # Inline code (json_script data blocks are not run, so need no nonce).
    inline = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json))([^>]*)>", html)
    assert inline, "the dashboard has an inline script"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    # No inline event handler anywhere in the page: the policy would block it.
    assert not re.search(r"\son(click|change|submit)=", html)
    # Another request, another nonce.
    again = client.get("/cases/dashboards/household-exit/")
    assert again["Content-Security-Policy"] != response["Content-Security-Policy"]


def test_signed_in_pages_and_the_api_are_not_stored(client: Client, county_personas: Any) -> None:
    assert "no-store" in client.get("/api/v1/public/notices")["Cache-Control"]
    assert "no-store" not in client.get("/public/notices/").get("Cache-Control", "")
    client.force_login(county_personas.in_region)
    for url in ["/", "/regions/", "/api/v1/regions", "/public/notices/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


@override_settings(FUPIN_API_DOCS_LOGIN_REQUIRED=True)
def test_api_docs_need_a_login_when_production_asks(client: Client, county_personas: Any) -> None:
    for url in ["/api/v1/openapi.json", "/api/v1/docs"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    client.force_login(county_personas.in_region)
    assert client.get("/api/v1/openapi.json").json()["info"]["version"] == "1"
    assert client.get("/api/v1/docs").status_code == 200


def test_production_static_storage_collects_the_vendored_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", "test-" + "k" * 50)
    monkeypatch.setenv("FUPIN_DATA_KEY", "A" * 43 + "=")
    production = importlib.import_module("config.settings.production")
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=production.STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert re.search(r'"vendor/tabler/tabler\.min\.[0-9a-f]{12}\.css"', manifest)
    assert list(tmp_path.glob("vendor/echarts/echarts.min.*.js.gz"))
