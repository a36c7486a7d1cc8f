from django.http import HttpRequest, HttpResponse

from fupin.core.access import actor_of
from fupin.core.errors import PermissionDenied

from .apps import PERM


def home(request: HttpRequest) -> HttpResponse:
    if not actor_of(request).has_perm(PERM):
        raise PermissionDenied()
    return HttpResponse("契约示例页面")
