"""Registry API router (households, members, changes, imports, exports)."""

from ninja import Router

router = Router(tags=["建档立卡"])
