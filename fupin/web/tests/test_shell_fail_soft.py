"""The shell's context processors are fail-soft: when the database stops answering while a
page renders, the page the view built still renders, without the menu and the inbox bell."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, OperationalError

from fupin.testing import client_for

pytestmark = pytest.mark.django_db


def refuse(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


def test_a_page_renders_without_the_shell_when_its_reads_fail(
    county_personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(county_personas.in_region)
    crumb = '<li class="breadcrumb-item">射洪市</li>'
    page = client.get("/").content.decode()
    assert crumb in page and 'class="nav-link-title"' in page  # the shell, while it answers

    monkeypatch.setattr("fupin.web.context_processors.navigation", refuse)
    monkeypatch.setattr("fupin.notifications.context_processors.message_unread_count", refuse)
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert crumb not in text and 'class="nav-link-title"' not in text
    assert 'data-testid="poor-villages"' in text  # the view's own content is there


def test_other_errors_in_the_shell_are_not_hidden(
    county_personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("a bug, not an outage")

    monkeypatch.setattr("fupin.web.context_processors.jurisdiction_path", broken)
    client = client_for(county_personas.in_region)
    with pytest.raises(IntegrityError):
        client.get("/")
