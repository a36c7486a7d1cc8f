"""The app contract: an app registered only in INSTALLED_APPS (the test settings add
tests/contract_app) shows its menu, serves its URLs and API, and its permission reaches its
default roles after migrate — with no edit to config/urls.py, the API, the menu or the roles."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import PermissionSeed, Role
from fupin.accounts.services import roles_sync
from fupin.core.access import declared_permissions, permission_label
from fupin.testing import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(county: Any) -> Any:
    return make_user("contract_office", ("poverty_office", county.code))


@pytest.fixture
def township_user(township: Any) -> Any:
    return make_user("contract_township", ("township", township.code))


def test_the_permission_is_declared_and_granted_to_its_default_role() -> None:
    declared = {p.code: p for p in declared_permissions()}
    assert declared["contract.view"].app == "contract_app"
    assert permission_label("contract.view") == "查看契约示例"
    assert "contract.view" in Role.objects.get(code="poverty_office").permissions
    assert "contract.view" in Role.objects.get(code="sysadmin").permissions
    assert "contract.view" not in Role.objects.get(code="township").permissions


def test_a_new_permission_reaches_an_existing_database_once() -> None:
    office = Role.objects.get(code="poverty_office")
    office.permissions = [p for p in office.permissions if p != "contract.view"]
    office.save()
    PermissionSeed.objects.filter(code="contract.view").delete()  # as before the app existed
    assert roles_sync()["permissions"] == 1
    assert "contract.view" in Role.objects.get(code="poverty_office").permissions
    # Granted once: an administrator's later removal is not undone by the next migrate.
    office.refresh_from_db()
    office.permissions = [p for p in office.permissions if p != "contract.view"]
    office.save()
    assert roles_sync()["permissions"] == 0
    assert "contract.view" not in Role.objects.get(code="poverty_office").permissions


def test_menu_url_and_api_come_from_the_app_alone(office: Any, township_user: Any) -> None:
    client = client_for(office)
    home = client.get("/")
    assert "契约示例" in home.content.decode() and "/contract/" in home.content.decode()
    assert client.get("/contract/").content.decode() == "契约示例页面"
    body = client.get("/api/v1/contract/ping").json()
    assert body == {"regions": [office.grants.get().region.code]}

    other = client_for(township_user)
    assert "/contract/" not in other.get("/").content.decode()
    assert other.get("/contract/").status_code == 403
    assert other.get("/api/v1/contract/ping").status_code == 403


def test_the_api_schema_lists_the_app_operation() -> None:
    from fupin.api.api import api

    assert "/api/v1/contract/ping" in api.get_openapi_schema()["paths"]


def test_the_apps_declarations_reproduce_the_seeded_role_table() -> None:
    """The default grants moved from one central table (frozen in accounts migration 0003) to
    each app's declaration: for every permission of that table, the same roles hold it."""
    import importlib

    seeded = importlib.import_module("fupin.accounts.migrations.0003_default_roles").DEFAULT_ROLES
    admins = {code for code, *_, is_admin in seeded if is_admin}
    declared = {p.code: set(p.default_roles) | admins for p in declared_permissions()}
    for code in {perm for row in seeded for perm in row[5]}:
        holders = {row[0] for row in seeded if code in row[5]}
        assert declared[code] == holders, code
