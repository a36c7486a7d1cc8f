"""API tokens (issue 12 points 4 and 6): revoked with the password or the account, a default
and a maximum lifetime, any UTC offset handled, and token-authenticated writes not subject to
the session's CSRF check."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fupin.accounts import services
from fupin.accounts.models import ApiToken
from fupin.accounts.selectors import load_actor
from fupin.core.models import Parameter
from fupin.testing import client_for

PASSWORD = "Fupin2024abc"


def make_token(user, **kwargs):
    return services.token_create(actor=load_actor(user), name="同步", **kwargs)


def bearer(raw: str, **kwargs) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"}, **kwargs)


def create_via_api(client: Client, **body):
    return client.post(
        "/api/v1/tokens", json.dumps({"name": "同步", **body}), content_type="application/json"
    )


@pytest.mark.django_db
class TestRevocation:
    def test_admin_password_reset_revokes_the_users_tokens(self, admin_personas, county_member):
        _, raw = make_token(county_member)
        assert bearer(raw).get("/api/v1/me").status_code == 200
        services.user_reset_password(
            actor=load_actor(admin_personas.in_region), user_id=county_member.pk, password=PASSWORD
        )
        assert bearer(raw).get("/api/v1/me").status_code == 401
        assert ApiToken.objects.get(user=county_member).revoked

    def test_own_password_change_revokes_ones_tokens(self, county_member):
        _, raw = make_token(county_member)
        client = client_for(county_member)
        response = client.post(
            "/accounts/password/",
            {"old_password": "Passw0rd!x", "new_password1": PASSWORD, "new_password2": PASSWORD},
        )
        assert response.status_code == 302
        assert bearer(raw).get("/api/v1/me").status_code == 401

    def test_deactivation_revokes_tokens_for_good(self, admin_personas, county_member):
        _, raw = make_token(county_member)
        actor = load_actor(admin_personas.in_region)
        services.user_set_active(actor=actor, user_id=county_member.pk, active=False)
        services.user_set_active(actor=actor, user_id=county_member.pk, active=True)
        assert bearer(raw).get("/api/v1/me").status_code == 401
        assert ApiToken.objects.get(user=county_member).revoked

    def test_other_users_tokens_survive(self, admin_personas, county_member):
        _, raw = make_token(admin_personas.in_region)
        services.user_reset_password(
            actor=load_actor(admin_personas.in_region), user_id=county_member.pk, password=PASSWORD
        )
        assert bearer(raw).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
class TestExpiry:
    def test_default_expiry_is_a_parameter(self, county_member):
        token, _ = make_token(county_member)
        assert token.expires_at is not None
        assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
        Parameter.objects.create(key="accounts.token_default_days", value=7)
        token, _ = make_token(county_member)
        assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    def test_past_expiry_is_refused(self, county_member):
        past = (timezone.now() - timedelta(minutes=1)).isoformat()
        response = create_via_api(client_for(county_member), expires_at=past)
        assert response.status_code == 422
        assert response.json()["message"] == "失效时间必须晚于当前时间"
        assert not ApiToken.objects.exists()

    def test_expiry_beyond_the_maximum_is_refused(self, county_member):
        far = (timezone.now() + timedelta(days=400)).isoformat()
        response = create_via_api(client_for(county_member), expires_at=far)
        assert response.status_code == 422
        assert "失效时间最长为" in response.json()["message"]

    @pytest.mark.parametrize("offset", ["+05:45", "+14:00", "-00:30", "+08:00", "Z", "-12:00"])
    def test_any_real_utc_offset_is_accepted(self, county_member, offset):
        stamp = f"{timezone.now().year + 1}-01-01T00:00:00{offset}"
        response = create_via_api(client_for(county_member), expires_at=stamp)
        assert response.status_code == 201, response.content
        expected = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert ApiToken.objects.get().expires_at == expected
        assert datetime.fromisoformat(response.json()["expires_at"]) == expected

    @pytest.mark.parametrize(
        "stamp",
        [
            "2027-01-01T00:00:00+25:00",
            "2027-01-01T00:00:00+24:00",
            "2027-01-01T00:00:00-99:99",
            "2027-01-01T00:00:00+05:60",
            "2027-02-30T00:00:00+08:00",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "明年元旦",
            "",
        ],
    )
    def test_impossible_expiry_is_a_chinese_422(self, county_member, stamp):
        response = create_via_api(client_for(county_member), expires_at=stamp)
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["message"] == "失效时间格式不正确，请使用如 2027-01-01T00:00:00+08:00 的格式"
        assert not ApiToken.objects.exists()


@pytest.mark.django_db
class TestTokenWrites:
    def test_bearer_writes_need_no_csrf_token(self, admin_personas, county_member):
        _, raw = make_token(admin_personas.in_region)
        client = bearer(raw, enforce_csrf_checks=True)
        created = create_via_api(client)
        assert created.status_code == 201, created.content
        response = client.put(
            f"/api/v1/users/{county_member.pk}",
            {"version": 1, "real_name": "张大明", "phone": "13800001111"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        assert client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 204

    def test_session_writes_still_need_the_csrf_token(self, admin_personas):
        client = Client(enforce_csrf_checks=True)
        client.force_login(admin_personas.in_region)
        assert create_via_api(client).status_code == 403
        assert not ApiToken.objects.exists()
        client.get("/")  # the page sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        response = client.post(
            "/api/v1/tokens",
            json.dumps({"name": "同步"}),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 201

    def test_session_cookie_with_a_bearer_token_still_needs_csrf(self, admin_personas):
        _, raw = make_token(admin_personas.in_region)
        client = bearer(raw, enforce_csrf_checks=True)
        client.force_login(admin_personas.in_region)
        assert create_via_api(client).status_code == 403

    def test_token_writes_carry_the_token_user_in_the_audit_trail(
        self, admin_personas, county_member
    ):
        from fupin.audit.models import AuditEvent

        admin = admin_personas.in_region
        _, raw = make_token(admin)
        response = bearer(raw, enforce_csrf_checks=True).put(
            f"/api/v1/users/{county_member.pk}",
            {"version": 1, "real_name": "张大明"},
            content_type="application/json",
        )
        assert response.status_code == 200
        event = AuditEvent.objects.filter(
            table_name="accounts_user", object_pk=str(county_member.pk), action="U"
        ).latest("id")
        assert (event.actor_id, event.actor_name) == (admin.pk, admin.username)
        used = AuditEvent.objects.filter(table_name="accounts_apitoken", action="U").latest("id")
        assert used.actor_id == admin.pk  # the token's own "last used" stamp, too

    def test_a_token_request_leaves_no_actor_on_the_connection(self, admin_personas):
        from django.db import connection

        _, raw = make_token(admin_personas.in_region)
        assert bearer(raw).get("/api/v1/me").status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('fupin.actor_id', true)")
            assert cursor.fetchone()[0] in ("", None)
