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


# --- client_ip: the address the audit trail records (issue 12.3) ---------------------------


def _ip(remote: str, forwarded: str | None = None, proxies: list[str] | None = None) -> str | None:
    from django.test import override_settings

    from fupin.core.http import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(FUPIN_TRUSTED_PROXIES=proxies or []):
        return client_ip(request)


def test_client_ip_ignores_x_forwarded_for_without_a_trusted_proxy():
    assert _ip("203.0.113.9", "10.9.9.9") == "203.0.113.9"
    # A client talking to gunicorn directly cannot choose its address.
    assert _ip("203.0.113.9", "1.2.3.4", ["127.0.0.1"]) == "203.0.113.9"


def test_client_ip_through_trusted_proxies_is_the_rightmost_untrusted_hop():
    proxies = ["127.0.0.1", "10.0.0.0/8"]
    assert _ip("127.0.0.1", "198.51.100.7", proxies) == "198.51.100.7"
    # The client wrote the left-most value itself; nginx appended the real one.
    assert _ip("127.0.0.1", "6.6.6.6, 198.51.100.7", proxies) == "198.51.100.7"
    assert _ip("127.0.0.1", "198.51.100.7, 10.1.1.1", proxies) == "198.51.100.7"
    assert _ip("127.0.0.1", None, proxies) == "127.0.0.1"
    assert _ip("::1", "2001:db8::5", ["::1"]) == "2001:db8::5"


def test_client_ip_malformed_values_fall_back_to_remote_addr():
    proxies = ["127.0.0.1"]
    assert _ip("127.0.0.1", "not-an-ip", proxies) == "127.0.0.1"
    assert _ip("127.0.0.1", "198.51.100.7, <script>", proxies) == "127.0.0.1"
    assert _ip("127.0.0.1", ",,", proxies) == "127.0.0.1"
    assert _ip("127.0.0.1", "198.51.100.7", ["bogus/99", "127.0.0.1"]) == "198.51.100.7"
    assert _ip("garbage", "198.51.100.7", proxies) is None
