"""The API's paginations: limit/offset with ceilings for short lists, keyset (`limit`/`cursor`,
capped counts: `fupin.core.api.keyset`) for every list that grows with the registry.

The limit is capped so one call cannot pull a whole province; the offset is capped so a
hostile value cannot overflow PostgreSQL's bigint OFFSET (found by the schemathesis run).
Large lists should be walked with filters or exports, not deep offsets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field
from ninja.pagination import LimitOffsetPagination, PaginationBase

from . import keyset
from .schema import Schema

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数（最多 500）")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过条数")


class KeysetList:
    """What a keyset-paginated API list returns to `@paginate(KeysetPagination)`: the filtered
    queryset, its sort keys (the list's index order) and the page converter."""

    def __init__(
        self,
        qs: QuerySet[Any],
        spec: Sequence[keyset.Key],
        convert: Callable[[list[Any]], list[dict[str, Any]]],
    ) -> None:
        self.qs, self.spec, self.convert = qs, spec, convert

    @classmethod
    def rows(
        cls, qs: QuerySet[Any], spec: Sequence[keyset.Key], convert: Callable[[Any], Any]
    ) -> KeysetList:
        return cls(qs, spec, lambda objects: [convert(obj) for obj in objects])


class KeysetPagination(PaginationBase):
    """`limit` + `cursor` (the `next_cursor` of the previous page); `count` is capped at 10,000
    (`count_capped` says so) unless `exact=true` asks for the exact figure."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数（最多 500）")
        cursor: str | None = Field(
            None, max_length=400, description="翻页标记：上一页返回的 next_cursor"
        )
        exact: bool = Field(False, description="计算准确总数（超过 1 万条时较慢）")

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool
        next_cursor: str | None

    def paginate_queryset(
        self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        source = cast(KeysetList, queryset)
        page = keyset.keyset_page(
            source.qs, source.spec, cursor=pagination.cursor, limit=pagination.limit
        )
        counted = keyset.list_count(source.qs, exact=pagination.exact)
        return {
            "items": source.convert(page.items),
            "count": counted.value,
            "count_capped": counted.capped,
            "next_cursor": page.next_cursor,
        }
