"""Supervision API (SPEC §7) under /api/v1/supervision/…: the rule catalogue and runs, alerts
and their transitions, 督办 notices, rectifications, inspections, traffic lights,
accountability records (the inbox under /supervision/inbox is fupin.notifications'). Fixed
paths are registered before parameterised ones."""

from ninja import Router

from fupin.supervision.accountability.api import router as accountability_router
from fupin.supervision.alerts.api import router as alerts_router
from fupin.supervision.common.api import TAGS
from fupin.supervision.inspections.api import router as inspections_router
from fupin.supervision.lights.api import router as lights_router
from fupin.supervision.rules.api import router as rules_router

router = Router(tags=TAGS)
router.add_router("", rules_router)
router.add_router("", alerts_router)
router.add_router("", inspections_router)
router.add_router("", lights_router)
router.add_router("", accountability_router)

__all__ = ["router"]
