"""A queryset the ninja paginator can count and slice, converting only the page it returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

Row = dict[str, Any]


class LazyPage:
    """`LazyPage(qs, convert_page)` converts a page as a whole (so a presenter can look up
    names once per page); `LazyPage.rows(qs, convert)` converts each object on its own."""

    def __init__(self, qs: QuerySet[Any], convert: Callable[[list[Any]], list[Row]]) -> None:
        self.qs = qs
        self.convert = convert

    @classmethod
    def rows(cls, qs: QuerySet[Any], convert: Callable[[Any], Row]) -> LazyPage:
        return cls(qs, lambda objects: [convert(obj) for obj in objects])

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Row]:
        return self.convert(list(self.qs[item]))
