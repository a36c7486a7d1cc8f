"""Parameters API (filled in by the parameters work)."""

from ninja import Router

router = Router(tags=["参数"])
