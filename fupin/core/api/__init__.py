"""The API kit every router uses: bounded pagination, lazy pages, the typed caller, the
NUL-refusing Schema and authentication. `fupin.api` only assembles the apps' routers."""

from fupin.core.access import actor_of

from .auth import AUTH, register_token_resolver, token_digest
from .lazy import LazyPage
from .pagination import MAX_LIMIT, MAX_OFFSET, Pagination
from .schema import Schema, no_nul

__all__ = [
    "AUTH",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "LazyPage",
    "Pagination",
    "Schema",
    "actor_of",
    "no_nul",
    "register_token_resolver",
    "token_digest",
]
