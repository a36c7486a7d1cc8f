from django.http import HttpRequest
from ninja import Router

from fupin.core.api import Schema, actor_of
from fupin.core.errors import PermissionDenied

from .apps import PERM

router = Router(tags=["契约示例"])


class PingOut(Schema):
    regions: list[str]


@router.get("/contract/ping", response=PingOut)
def ping(request: HttpRequest) -> dict[str, list[str]]:
    actor = actor_of(request)
    if not actor.has_perm(PERM):
        raise PermissionDenied()
    return {"regions": actor.region_codes(PERM)}
