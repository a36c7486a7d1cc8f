"""Searches by ID number or phone leave no personal data in URLs or logs (issue 12, point 6).

The household list's filter form posts; the term is kept in the session and the results page
carries only its key (`fupin.core.web.search`). An ID number typed into the URL is not
searched. The API takes the term in a POST body and refuses it in a GET query. Every log
line is masked of ID and phone numbers (`fupin.core.logfilter`).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fupin.accounts.selectors import load_actor
from fupin.core import crypto
from fupin.core.logfilter import PersonalDataFilter
from fupin.core.masking import is_personal_number, mask_text
from fupin.registry import services
from fupin.registry.tests.factories import family, household_data
from fupin.testing import call, client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/registry"
ID = "510981195001011234"  # the shape of an ID number (the filter goes by shape alone)


@pytest.fixture
def office(county_personas: Any) -> Any:
    return county_personas.in_region


@pytest.fixture
def household(office: Any, village: Any) -> Any:
    return services.household_create(
        actor=load_actor(office),
        village_code=village.code,
        data=household_data("5109810001", phone="13812345678"),
        members=family(village.code[:6]),
    ).household


@pytest.fixture
def other(office: Any, village: Any) -> Any:
    return services.household_create(  # family() gives fresh ID numbers each call
        actor=load_actor(office),
        village_code=village.code,
        data=household_data("5109810002"),
        members=family(village.code[:6]),
    ).household


def head_id(household: Any) -> str:
    return crypto.decrypt(household.members.get(relation="head").id_cipher)


def test_the_search_form_posts_and_the_results_url_holds_no_id_number(
    office: Any, household: Any, other: Any
) -> None:
    client = client_for(office)
    url = reverse("registry:household_list")
    number = head_id(household)
    page = client.get(url).content.decode()
    assert '<form method="post" class="card mb-3" role="search">' in page
    assert 'name="csrfmiddlewaretoken"' in page
    posted = client.post(url, {"q": number, "status": "", "attribute": "dibao"})
    assert posted.status_code == 302
    location = posted["Location"]
    assert number not in location and "q=" not in location
    assert location.startswith(url + "?") and "attribute=dibao" in location and "s=" in location
    results = client.get(location)
    # the household is found, the form shows the term, and no link carries the number
    assert [r["h"].pk for r in client.post(url, {"q": number}, follow=True).context["rows"]] == [
        household.pk
    ]
    assert results.context["form"]["q"].value() == number
    assert number not in results.content.decode().replace(f'value="{number}"', "")


def test_an_id_number_in_the_url_is_not_searched(office: Any, household: Any, other: Any) -> None:
    client = client_for(office)
    response = client.get(reverse("registry:household_list"), {"q": head_id(other)})
    assert response.status_code == 200
    assert response.context["page"].filters.q == ""  # not searched: the whole list
    assert {r["h"].pk for r in response.context["rows"]} == {household.pk, other.pk}
    assert "不要写在网址中" in response.content.decode()


def test_an_expired_search_key_says_so(office: Any, household: Any) -> None:
    response = client_for(office).get(reverse("registry:household_list"), {"s": "gone"})
    assert "搜索条件已过期" in response.content.decode()


def test_the_export_follows_the_search_key_and_refuses_a_number_in_the_url(
    office: Any, household: Any, other: Any
) -> None:
    client = client_for(office)
    url = reverse("registry:household_list")
    location = client.post(url, {"q": head_id(household)})["Location"]
    key = location.split("s=")[1]
    export = client.get(reverse("registry:export"), {"format": "csv", "s": key})
    content = b"".join(export.streaming_content)  # type: ignore[attr-defined]
    rows = content.decode("utf-8-sig").splitlines()
    assert sum(1 for row in rows if "5109810001" in row) >= 1
    assert not any("5109810002" in row for row in rows)
    refused = client.get(reverse("registry:export"), {"format": "csv", "q": head_id(household)})
    assert refused.status_code == 422


def test_the_api_takes_the_number_by_post_and_refuses_it_in_the_query(
    office: Any, household: Any, other: Any
) -> None:
    client = client_for(office)
    number = head_id(household)
    refused = client.get(f"{API}/households", {"q": number})
    assert refused.status_code == 422
    assert "POST /api/v1/registry/households/search" in refused.json()["message"]
    assert client.get(f"{API}/households", {"q": "13812345678"}).status_code == 422
    found = call(client, "post", f"{API}/households/search", {"q": number})
    assert found.status_code == 200
    assert [i["id"] for i in found.json()["items"]] == [household.pk]
    # names and household numbers still go by GET
    by_no = client.get(f"{API}/households", {"q": "5109810001"}).json()["items"]
    assert [i["id"] for i in by_no] == [household.pk]
    export = call(client, "post", f"{API}/exports/households", {"format": "csv", "q": number})
    assert export.status_code == 200
    assert client.get(f"{API}/exports/households", {"q": number}).status_code == 422


@pytest.mark.parametrize(
    ("term", "personal"),
    [
        (ID, True),
        ("51098119500101123x", True),
        ("510981500101123", True),  # the old 15-digit form
        ("13812345678", True),
        ("+86 138-1234-5678", True),
        ("5109810001", False),  # a household number
        ("510981001001", False),  # a village code
        ("6222021234567890123", False),  # 19 digits: a bank card, not an ID number
        ("张三", False),
        ("", False),
    ],
)
def test_what_counts_as_a_personal_number(term: str, personal: bool) -> None:
    assert is_personal_number(term) is personal


def test_the_log_filter_masks_id_and_phone_numbers_in_any_record() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/x/?q={ID}",), None
    )
    assert PersonalDataFilter().filter(record) is True
    assert record.getMessage() == "Not Found: /x/?q=510981************"
    # gunicorn's access log: a format and a dict of atoms
    atoms = {"r": "GET /registry/households/?q=13812345678&s=abc HTTP/1.1", "s": "200"}
    access = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(s)s', (atoms,), None
    )
    PersonalDataFilter().filter(access)
    assert access.getMessage() == '"GET /registry/households/?q=138****5678&s=abc HTTP/1.1" 200'
    # untouched: no number in it
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "region %s", ("510981001001",), None)
    PersonalDataFilter().filter(plain)
    assert plain.args == ("510981001001",)
    assert mask_text(f"a{ID}") == f"a{ID}"  # inside a word: not an ID on its own


def test_every_log_handler_path_masks(caplog: pytest.LogCaptureFixture) -> None:
    # Loggers with handlers of their own carry the filter (installed by the core app), and
    # Django's console handler has it from LOGGING.
    from django.conf import settings

    logging_config: dict[str, Any] = settings.LOGGING
    assert "personal_data" in logging_config["handlers"]["console"]["filters"]
    for name in ("gunicorn.access", "django.server"):
        assert any(isinstance(f, PersonalDataFilter) for f in logging.getLogger(name).filters)
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info("GET /?q=%s", ID)
    assert ID not in caplog.text and "510981************" in caplog.text


def test_an_id_number_in_a_url_leaves_no_trace_in_the_request_log(
    office: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Django logs "Not Found: <path>"; a hand-typed URL may hold a number in the path.
    client = Client()
    client.force_login(office)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/registry/households/{ID}/").status_code == 404
    assert "Not Found" in caplog.text and ID not in caplog.text


def test_users_are_searched_by_phone_by_post_only(county: Any) -> None:
    from fupin.testing import make_user

    # Phones are masked for everyone; a holder of personal-data view finds a user by the whole
    # number (accounts.selectors.user_list), here the county office's administrator.
    admin = make_user(
        "search_admin", ("region_admin", county.code), ("poverty_office", county.code)
    )
    make_user("zhangsan", ("township", county.code + "001"), real_name="张三", phone="13912345678")
    make_user("lisi", ("township", county.code + "001"), real_name="李四", phone="13700000000")
    client = client_for(admin)
    posted = client.post("/accounts/users/", {"q": "13912345678"})
    assert posted.status_code == 302 and "13912345678" not in posted["Location"]
    text = client.get(posted["Location"]).content.decode()
    assert "张三" in text and "李四" not in text
    refused = client.get("/accounts/users/", {"q": "13912345678"}).content.decode()
    assert "不要写在网址中" in refused and "李四" in refused  # not searched
    assert client.get("/api/v1/users", {"q": "13912345678"}).status_code == 422
    found = call(client, "post", "/api/v1/users/search", {"q": "13912345678"}).json()
    assert [u["username"] for u in found["items"]] == ["zhangsan"]
