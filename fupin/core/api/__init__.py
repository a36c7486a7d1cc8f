"""The API kit every router uses: bounded pagination, keyset pages with capped counts, lazy pages, the typed caller, the
NUL-refusing Schema and authentication. `fupin.api` only assembles the apps' routers."""

from fupin.core.access import actor_of

from .auth import AUTH, register_token_resolver, token_digest
from .keyset import Key, KeysetPage, ListCount, keys, keyset_page, list_count
from .lazy import LazyPage
from .pagination import MAX_LIMIT, MAX_OFFSET, KeysetList, KeysetPagination, Pagination
from .schema import Schema, no_nul

__all__ = [
    "AUTH",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "Key",
    "KeysetList",
    "KeysetPage",
    "KeysetPagination",
    "LazyPage",
    "ListCount",
    "Pagination",
    "Schema",
    "actor_of",
    "keys",
    "keyset_page",
    "list_count",
    "no_nul",
    "register_token_resolver",
    "token_digest",
]
