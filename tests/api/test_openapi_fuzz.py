"""Schemathesis over the whole OpenAPI schema: no generated request may cause a server error,
and every error response is JSON. Runs as a county poverty-office user with a bearer token,
so the fuzzing reaches the scoped code paths.

The operations are driven with Hypothesis directly (schemathesis' pytest plugin does not yet
support pytest 9). CI runs a fixed (derandomized) set of examples; set FUPIN_FUZZ_RANDOM=1 and
FUPIN_FUZZ_EXAMPLES=200 to hunt for new failures."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from fupin.testing import COUNTY, make_user


@pytest.fixture
def api_schema(db: Any) -> Iterator[Any]:
    from django.core import signals
    from django.db import close_old_connections

    from config.wsgi import application

    # Like Django's test client: keep the test transaction's connection open across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: Any) -> dict[str, str]:
    from fupin.accounts.models import ApiToken
    from fupin.core.api import token_digest

    user = make_user("fuzz_office", ("poverty_office", COUNTY))
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name="fuzz", digest=token_digest(token), prefix=token[:8])
    return {"Authorization": f"Bearer {token}"}


def test_api_never_fails_with_a_server_error(api_schema: Any, bearer: dict[str, str]) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the OpenAPI schema lists no operation"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("FUPIN_FUZZ_EXAMPLES", "6")),
            derandomize=os.environ.get("FUPIN_FUZZ_RANDOM") != "1",
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=bearer)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.text[:500]}"
            )
            if response.status_code >= 400:  # errors are JSON {code, message}; files may succeed
                content_type = response.headers.get("content-type") or [""]
                assert content_type[0].startswith("application/json"), content_type

        run()
