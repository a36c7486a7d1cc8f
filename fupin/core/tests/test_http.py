import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from fupin.core.errors import Conflict, NotFound, PermissionDenied
from fupin.core.http import DomainErrorMiddleware


@pytest.mark.parametrize(
    ("exc", "status", "text"),
    [
        (NotFound(), 404, "记录不存在或不在您的管辖范围内"),
        (PermissionDenied("只读角色不能修改数据"), 403, "只读角色不能修改数据"),
        (Conflict(), 409, "该记录已被他人修改，请刷新后重试"),
    ],
)
def test_domain_errors_render_chinese_pages(exc, status, text):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/regions/")
    request.user = AnonymousUser()
    response = DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, exc)
    assert response is not None
    assert response.status_code == status
    assert text in response.content.decode()


def test_api_errors_are_left_to_the_api():
    request = RequestFactory().get("/api/v1/regions")
    assert (
        DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, NotFound())
        is None
    )
