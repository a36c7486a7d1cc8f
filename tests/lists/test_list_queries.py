"""Query counts of every list page and API list do not grow with the data or the page size
(issue 13), and the capped count, the exact figure on request and the cursor work through
the pages and the API alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.core.api import keyset
from fupin.testing import COUNTY, client_for, make_user

from .generate import generate

pytestmark = pytest.mark.django_db

PAGES = [
    ("workflows:case_list", {"closed": "on"}),
    ("workflows:queue", {}),
    ("supervision:alerts", {"status": "all"}),
    ("registry:doubts", {}),
    ("workflows:notice_list", {}),
    ("registry:import_list", {}),
    ("registry:household_list", {}),
]
APIS = [
    ("/api/v1/cases", {"open": "false"}),
    ("/api/v1/supervision/alerts", {}),
    ("/api/v1/registry/doubts", {}),
    ("/api/v1/cases/notices", {}),
    ("/api/v1/registry/imports", {}),
    ("/api/v1/registry/households", {}),
]


@pytest.fixture
def client(db: Any) -> Any:
    client = client_for(make_user("lists_county", ("poverty_office", COUNTY)))
    client.get(reverse("workflows:case_list"))  # warm the session and the actor
    return client


def _count(client: Any, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx)


def _all(client: Any, limit: str) -> dict[str, int]:
    counts = {name: _count(client, reverse(name), params) for name, params in PAGES}
    for url, params in APIS:
        counts[url] = _count(client, url, {**params, "limit": limit})
    return counts


def test_queries_do_not_grow_with_data_or_page_size(client: Any) -> None:
    generate(20, prefixes=[COUNTY], tag="A")
    _all(client, "5")  # warm the process caches (code lists, parameters)
    small = _all(client, "5")
    generate(200, prefixes=[COUNTY], tag="B")
    large = _all(client, "5")
    assert large == small
    assert _all(client, "100") == small


def test_api_list_walks_with_the_cursor_and_caps_the_count(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(60, prefixes=[COUNTY], tag="A")  # 12 open cases and 12 alerts, 60 疑点
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/registry/doubts", params).json()
        seen += [row["id"] for row in body["items"]]
        assert body["count"] == 60 and body["count_capped"] is False
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 60

    monkeypatch.setattr(keyset, "COUNT_CAP", 10)
    capped = client.get("/api/v1/registry/doubts", {"limit": "5"}).json()
    assert (capped["count"], capped["count_capped"]) == (10, True)
    exact = client.get("/api/v1/registry/doubts", {"limit": "5", "exact": "true"}).json()
    assert (exact["count"], exact["count_capped"]) == (60, False)

    bad = client.get("/api/v1/registry/doubts", {"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and "翻页参数无效" in bad.json()["message"]


def test_page_shows_a_capped_count_and_the_exact_figure_on_request(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(60, prefixes=[COUNTY], tag="A")
    monkeypatch.setattr(keyset, "COUNT_CAP", 10)
    url = reverse("registry:doubts")
    page = client.get(url).content.decode()
    assert "共 1万+ 条" in page and 'data-testid="exact-count"' in page
    exact = client.get(url, {"exact": "1"}).content.decode()
    assert "准确总数：共 60 条" in exact
    # Following "下一页" walks every 疑点 once.
    seen = 0
    response = client.get(url, {"exact": "1"})
    while True:
        seen += len(response.context["rows"])
        pager = response.context["pager"]
        if not pager.next_url:
            break
        response = client.get(url + pager.next_url)
    assert seen == 60


def test_a_page_with_a_bad_cursor_starts_again_and_says_so(client: Any) -> None:
    generate(20, prefixes=[COUNTY], tag="A")
    response = client.get(reverse("registry:doubts"), {"cursor": "edited"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 20
    assert "翻页参数无效，请从第一页重新查询" in response.content.decode()
