"""Login lockout (django-axes), counted per account.

django-axes counts failures per "username" string. Left alone, the same account would have
one counter per login string (its username, its phone, " Admin ", …), so an attacker gets
the limit once per variant and a lock by username does not stop a login by phone (issue 12).
`lockout_username` gives axes the account's own username for every string naming it, and a
normalised string for one naming no account. The failure limit is a database parameter, so
officials can tune it.
"""

from __future__ import annotations

from typing import Any

from fupin.core import params

from .params import LOGIN_FAILURE_LIMIT


def failure_limit(request: Any, credentials: Any) -> int:
    return int(params.get(LOGIN_FAILURE_LIMIT.key))


def lockout_key(login: str | None) -> str:
    from .backends import account_for_login

    user = account_for_login(login)
    return user.username if user is not None else (login or "").strip().casefold()


def lockout_username(request: Any, credentials: Any) -> str:
    """AXES_USERNAME_CALLABLE: the key failures of this login attempt are counted under."""
    if credentials:
        login = credentials.get("username")
    else:
        login = getattr(request, "POST", {}).get("username")
    return lockout_key(login)
