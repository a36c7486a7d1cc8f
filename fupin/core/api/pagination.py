"""The one pagination of the API: limit/offset with ceilings.

The limit is capped so one call cannot pull a whole province; the offset is capped so a
hostile value cannot overflow PostgreSQL's bigint OFFSET (found by the schemathesis run).
Large lists should be walked with filters or exports, not deep offsets.
"""

from __future__ import annotations

from ninja import Field
from ninja.pagination import LimitOffsetPagination

from .schema import Schema

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数（最多 500）")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过条数")
