"""The Chinese 403/404/500 pages served by the project's handlers (DEBUG is off in tests)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from fupin.testing import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("fupin.web.tests.urls_errors")]


def test_missing_page_anonymous_gets_chinese_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在（404）" in text
    assert "返回首页" in text
    assert 'lang="zh-CN"' in text


def test_missing_page_logged_in_keeps_the_shell(county_personas: Any) -> None:
    response = client_for(county_personas.in_region).get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "记录不存在或不在您的管辖范围内" in text
    assert 'data-testid="jurisdiction"' in text and "射洪市" in text


def test_forbidden_is_chinese_403(county_personas: Any) -> None:
    response = client_for(county_personas.in_region).get("/test-errors/403/")
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_is_chinese_500(county_personas: Any) -> None:
    client = client_for(county_personas.in_region)
    client.raise_request_exception = False
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统出现错误" in text
    assert "boom" not in text  # no internals leak to the user


@override_settings(DEBUG=False)
def test_server_error_under_the_api_is_json(client: Client) -> None:
    client.raise_request_exception = False
    response = client.get("/api/test-errors/500/")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "系统出现错误，请稍后重试"}
