"""Regions and organisations API (filled in by the regions work)."""

from ninja import Router

router = Router(tags=["区划与组织"])
