"""The pager of every keyset-paginated page: one page of a list, the link to the next page and
back to the first, and the capped count ("共 1万+ 件") with the link that asks for the exact
figure (`?exact=1`, computed only then). The template part is `core/_pager.html`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from fupin.core.api import keyset
from fupin.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)
CURSOR = "cursor"
EXACT = "exact"


@dataclass
class Pager(Generic[M]):
    items: list[M]
    count: keyset.ListCount
    next_url: str | None
    first_url: str | None
    exact_url: str | None  # asks for the exact figure; None when it is already exact


def keep_params(request: HttpRequest, *drop: str) -> list[tuple[str, str]]:
    """The request's non-empty query parameters except the pager's own (and `drop`)."""
    skip = {CURSOR, EXACT, "page", *drop}
    return [(k, str(v)) for k, v in request.GET.items() if k not in skip and v]


def keyset_pager(
    request: HttpRequest,
    qs: QuerySet[M],
    spec: Sequence[keyset.Key],
    *,
    limit: int = keyset.DEFAULT_LIMIT,
) -> Pager[M]:
    cursor = request.GET.get(CURSOR) or None
    exact = request.GET.get(EXACT) == "1"
    try:
        page = keyset.keyset_page(qs, spec, cursor=cursor, limit=limit)
    except ValidationFailed as exc:  # a stale or edited link: say so and start again
        messages.warning(request, exc.message)
        cursor = None
        page = keyset.keyset_page(qs, spec, limit=limit)
    count = keyset.list_count(qs, exact=exact)
    keep = keep_params(request)
    flag = [(EXACT, "1")] if exact else []
    return Pager(
        items=page.items,
        count=count,
        next_url=f"?{urlencode([*keep, *flag, (CURSOR, page.next_cursor)])}"
        if page.next_cursor
        else None,
        first_url=f"?{urlencode([*keep, *flag])}" if cursor else None,
        exact_url=f"?{urlencode([*keep, (EXACT, '1')])}" if count.capped else None,
    )
