from __future__ import annotations

from typing import Any

import pytest

from fupin.testing import Personas, make_user

MIDDLEWARE_PATH = "fupin.accounts.middleware.MustChangePasswordMiddleware"


@pytest.fixture
def view_personas(db: Any, county: Any, sibling_county: Any) -> Personas:
    """For reads of users: the county viewer role lacks USER_VIEW, so the read-only persona
    is the county discipline inspector (read-only role that may view users)."""
    return Personas(
        in_region=make_user("county_admin", ("region_admin", county.code)),
        read_only=make_user("county_discipline", ("discipline", county.code)),
        out_of_region=make_user("sibling_admin", ("region_admin", sibling_county.code)),
    )


@pytest.fixture
def admin_personas(db: Any, county: Any, sibling_county: Any) -> Personas:
    """The project-wide admin personas, except that the county administrator also holds the
    poverty office's role: an administrator grants and manages only what it holds itself, and
    the bare administrator role holds no business permission (see `plain_admin`)."""
    return Personas(
        in_region=make_user(
            "county_admin", ("region_admin", county.code), ("poverty_office", county.code)
        ),
        read_only=make_user("county_viewer", ("viewer", county.code)),
        out_of_region=make_user("sibling_admin", ("region_admin", sibling_county.code)),
    )


@pytest.fixture
def plain_admin(db: Any, county: Any) -> Any:
    """The attacker of issue 12: a county administrator holding only the administrator role
    (USER_MANAGE, but not PERSONAL_DATA_VIEW nor any business permission)."""
    return make_user("plain_admin", ("region_admin", county.code))


@pytest.fixture
def county_member(db: Any, county: Any, township: Any) -> Any:
    """An ordinary user wholly inside the county (a township grant)."""
    return make_user("member", ("township", township.code), real_name="张小明", phone="13800001111")


@pytest.fixture
def must_change_middleware(settings: Any) -> None:
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE_PATH]


CHINESE_LENGTH_VALIDATOR = "fupin.accounts.passwords.MinimumLengthValidator"


@pytest.fixture(autouse=True)
def chinese_password_validators(settings: Any) -> None:
    """Until config/settings/base.py lists our MinimumLengthValidator (Django's own speaks
    English in 5.2), use it in place of Django's, keeping the configured length."""
    validators = []
    for item in settings.AUTH_PASSWORD_VALIDATORS:
        if item["NAME"].endswith("password_validation.MinimumLengthValidator"):
            item = {**item, "NAME": CHINESE_LENGTH_VALIDATOR}
        validators.append(item)
    settings.AUTH_PASSWORD_VALIDATORS = validators
