"""Which database role each process connects as (issue 12.3; docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import override_settings

from fupin.core.database import as_role, database_config, database_roles, parse_database_url


def test_the_embedded_server_is_used_through_three_roles(tmp_path: Path) -> None:
    config = database_config(tmp_path)
    assert config["USER"] == "fupin_app"
    roles = database_roles(config)
    assert roles["app"] == "fupin_app"
    assert roles["owner"]["USER"] == "fupin_owner"
    assert roles["maint"]["USER"] == "fupin_maint"


def test_one_url_is_one_role_and_the_owner_url_adds_the_owner() -> None:
    app = parse_database_url("postgresql://fupin_app:pw@db:5432/fupin")
    assert database_roles(app) == {}
    roles = database_roles(
        app, owner_url="postgresql://owner:secret@db2:6432/ignored", maint_url=""
    )
    assert roles == {
        "app": "fupin_app",
        "owner": {"USER": "owner", "PASSWORD": "secret", "HOST": "db2", "PORT": "6432"},
    }


def test_as_role_swaps_the_credentials_and_restores_them() -> None:
    roles = {"app": "a", "owner": {"USER": "the_owner", "PASSWORD": "x"}}
    before = dict(connection.settings_dict)
    with override_settings(FUPIN_DB_ROLES=roles):
        with as_role("owner"):
            assert connection.settings_dict["USER"] == "the_owner"
        assert connection.settings_dict["USER"] == before["USER"]
        with as_role("maint"):  # no maintenance role: the owner
            assert connection.settings_dict["USER"] == "the_owner"
    assert dict(connection.settings_dict) == before


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.settings_dict["ENGINE"] != "fupin.core.embedded", reason="the embedded server"
)
def test_the_embedded_server_lets_the_app_role_in_without_privileges() -> None:
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params["host"], port=params["port"], dbname=params["dbname"], user="fupin_app"
    ) as conn:
        row = conn.execute(
            "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
            " WHERE rolname = current_user"
        ).fetchone()
    assert row == ("fupin_app", False, False, False)
