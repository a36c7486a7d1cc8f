"""Users and grants API (filled in by the accounts work)."""

from ninja import Router

router = Router(tags=["用户与授权"])
