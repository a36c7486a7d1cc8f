"""django-axes reads the failure limit from the database parameter, so officials can tune it."""

from __future__ import annotations

from typing import Any

from fupin.core import params

from .params import LOGIN_FAILURE_LIMIT


def failure_limit(request: Any, credentials: Any) -> int:
    return int(params.get(LOGIN_FAILURE_LIMIT.key))
