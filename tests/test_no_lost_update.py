"""No lost update, anywhere (SPEC §10, issue 15 point 1).

Every edit form and every PUT/PATCH operation is listed in `EDITS` with a way to make its
record; for each, two writers load the same version, the first saves, the second saves a
different value: the second gets 409 naming the first writer (their real name) and the time,
the record keeps the first value and its version moved by exactly one.

The list is held complete against the code, so a new one cannot slip past:
- the PUT and PATCH operations of the OpenAPI schema must equal the API entries;
- every page URL named `*_edit` must be a page entry;
- every versioned model (an `updated_at` and a `version`: `core.touch.touched_models()`) must
  be edited by some entry or be listed in `NOT_EDITED_IN_PLACE` with the reason.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from fupin.accounts.selectors import load_actor
from fupin.core import touch
from fupin.regions.models import Region
from fupin.testing import call, client_for, make_user
from tests.lost_update_cases import (
    EDITS,
    FIRST,
    NOT_EDITED_IN_PLACE,
    SECOND,
    VERSION_MEANS_NEW,
    Edit,
    World,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county: Region, township: Region, village: Region) -> World:
    province = county.code[:2]
    setup = make_user("setup_clerk", ("sysadmin", province), real_name="张建档")
    return World(
        county=county,
        township=township,
        village=village,
        setup=load_actor(setup),
        first=make_user("writer_1", ("sysadmin", province), real_name=FIRST),
        second=make_user("writer_2", ("sysadmin", province), real_name=SECOND),
    )


def _message(response: Any) -> str:
    if response["Content-Type"].startswith("application/json"):
        return str(response.json()["message"])
    return response.content.decode()


@pytest.mark.parametrize("edit", EDITS, ids=[e.name for e in EDITS])
def test_the_second_of_two_writers_gets_409_naming_the_first(edit: Edit, world: World) -> None:
    target = edit.make(world)
    loaded = target.loaded
    first, second = client_for(world.first), client_for(world.second)
    # Both load the form (pages) before either saves: the same version.
    body_1 = target.body(first, edit.values[0], loaded)
    body_2 = target.body(second, edit.values[1], loaded)
    saved = call(first, edit.method, target.url, body_1) if edit.method == "put" else None
    if saved is None:
        saved = first.post(target.url, body_1)
    assert saved.status_code in (200, 302), (edit.name, saved.status_code, _message(saved)[:500])
    assert target.stored() == edit.values[0]
    after_first = target.version()
    stale = (
        call(second, edit.method, target.url, body_2)
        if edit.method == "put"
        else second.post(target.url, body_2)
    )
    assert stale.status_code == 409, (edit.name, stale.status_code)
    message = _message(stale)
    assert re.search(
        rf"已被 {FIRST} 于 (\d{{4}}-\d\d-\d\d )?\d\d:\d\d 修改，请刷新后重试", message
    ), (
        edit.name,
        message[:300],
    )
    assert target.stored() == edit.values[0]  # the first writer's value stands
    assert loaded is not None and after_first == loaded + 1
    assert target.version() == after_first  # the refused save moved nothing


# --- the list is complete ------------------------------------------------------------------


def _url_names() -> set[str]:
    found: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                found.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver(), "")
    return found


def test_every_put_and_patch_operation_is_walked() -> None:
    from fupin.api.api import api

    schema = api.get_openapi_schema()
    operations = {
        f"{method} {path}"
        for path, ops in schema["paths"].items()
        for method in ops
        if method in ("put", "patch")
    }
    walked = {e.name for e in EDITS if e.name.startswith(("put ", "patch "))}
    assert operations == walked


def test_every_edit_page_is_walked() -> None:
    pages = {e.name for e in EDITS if ":" in e.name and " " not in e.name}
    assert pages <= _url_names()  # no stale entry
    edit_pages = {n for n in _url_names() if n.endswith("_edit")}
    assert edit_pages <= pages, edit_pages - pages


def test_every_versioned_model_is_walked_or_explained() -> None:
    versioned = {m._meta.label for m in touch.touched_models()}
    walked = {e.model for e in EDITS}
    assert versioned - walked - set(NOT_EDITED_IN_PLACE) == set()
    for label in {*walked, *NOT_EDITED_IN_PLACE}:
        assert apps.get_model(label) is not None
    assert not walked & set(NOT_EDITED_IN_PLACE)


@pytest.mark.parametrize("edit", [e for e in EDITS if e.method == "put"], ids=lambda e: e.name)
def test_a_put_without_version_is_refused_in_chinese(edit: Edit, world: World) -> None:
    """The version is required: a PUT that leaves it out is a 422, not an unchecked write."""
    target = edit.make(world)
    client = client_for(world.first)
    body = target.body(client, edit.values[0], target.loaded)
    del body["version"]
    response = call(client, "put", target.url, body)
    if edit.name in VERSION_MEANS_NEW:
        assert response.status_code == 409, response.json()
    else:
        assert response.status_code == 422
        assert response.json()["message"].startswith("缺少版本号 version")
        assert ["必填"] in [
            v for k, v in response.json()["errors"].items() if k.endswith("version")
        ]
    assert target.stored() != edit.values[0] and target.version() == target.loaded
