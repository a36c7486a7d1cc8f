"""Workflows API (SPEC §3) under /api/v1/cases/…, and the public notices under
/api/v1/public/… (no login). Fixed paths are registered before `/cases/{case_id}`."""

from ninja import Router

from fupin.workflows.cases.api import router as cases_router
from fupin.workflows.notices.api import router as notices_router
from fupin.workflows.public.api import router as public_router
from fupin.workflows.samples.api import router as samples_router

router = Router()
router.add_router("", notices_router)
router.add_router("", samples_router)
router.add_router("", cases_router)

__all__ = ["public_router", "router"]
