"""The inbox API under /api/v1/supervision/inbox: the caller's own messages only."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.notifications.models import Message
from fupin.notifications.services import message_send_many
from fupin.testing import Personas, call, client_for

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"


# --- inbox ---------------------------------------------------------------------------------------


def test_inbox_is_personal(county_personas: Personas):
    """Messages are the caller's own: another user's message is 404 whoever asks (sibling
    county or the same county's discipline), the owner reads and marks it; a read-only role
    may mark its own messages read."""
    people = county_personas
    message_send_many(
        recipients=[people.in_region], kind="alert.noticed", title="预警督办：张小红", link="/x/"
    )
    message_send_many(recipients=[people.read_only], kind="digest", title="本周重点工作")
    mine = Message.objects.get(recipient=people.in_region)
    theirs = Message.objects.get(recipient=people.read_only)
    office = client_for(people.in_region)
    listed = office.get(f"{API}/inbox").json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "预警督办：张小红"
    assert client_for(people.out_of_region).get(f"{API}/inbox").json()["count"] == 0
    read_url = f"{API}/inbox/{mine.pk}/read"
    assert call(client_for(people.out_of_region), "post", read_url).status_code == 404
    assert call(client_for(people.read_only), "post", read_url).status_code == 404
    marked = call(office, "post", read_url)
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert office.get(f"{API}/inbox?unread=true").json()["count"] == 0
    own = call(client_for(people.read_only), "post", f"{API}/inbox/{theirs.pk}/read")
    assert own.status_code == 200
    assert Client().get(f"{API}/inbox").status_code == 401
