"""Registry API: composed of the routers of each registry area."""

from ninja import Router

from .exports.api import router as exports_router
from .io.api import router as io_router
from .pages.api import router as households_router
from .snapshots.api import router as snapshots_router
from .validation.api import router as validation_router

router = Router(tags=["建档立卡"])
router.add_router("", households_router)
router.add_router("", io_router)
router.add_router("", validation_router)
router.add_router("", snapshots_router)
router.add_router("", exports_router)
