"""Supervision API (SPEC §7) under /api/v1/supervision/…: the rule catalogue and runs, alerts
and their transitions, 督办 notices, rectifications, the inbox. Fixed paths are registered
before parameterised ones."""

from ninja import Router

from .alerts import router as alerts_router
from .common import TAGS
from .inbox import router as inbox_router
from .rules import router as rules_router

router = Router(tags=TAGS)
router.add_router("", rules_router)
router.add_router("", alerts_router)
router.add_router("", inbox_router)

__all__ = ["router"]
