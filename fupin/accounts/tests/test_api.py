"""The accounts API: jurisdiction of every endpoint, conflicts, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fupin.accounts.models import ApiToken, Grant, User
from fupin.core.api import token_digest
from fupin.testing import assert_jurisdiction, client_for

PASSWORD = "Fupin2024abc"


@pytest.mark.django_db
class TestJurisdiction:
    def test_list(self, view_personas, county):
        assert_jurisdiction(view_personas, "get", f"/api/v1/users?region={county.code}")

    def test_create(self, admin_personas, township):
        data = {
            "username": "apinew",
            "real_name": "李四",
            "password": PASSWORD,
            "role": "township",
            "region": township.code,
            "phone": "13700001234",
        }
        assert_jurisdiction(admin_personas, "post", "/api/v1/users", data)
        user = User.objects.get(username="apinew")
        assert user.must_change_password and user.phone == "13700001234"

    def test_detail(self, view_personas, county_member):
        assert_jurisdiction(view_personas, "get", f"/api/v1/users/{county_member.pk}")

    def test_update(self, admin_personas, county_member):
        data = {"version": 1, "real_name": "张大明", "phone": "13800001111"}
        assert_jurisdiction(admin_personas, "put", f"/api/v1/users/{county_member.pk}", data)
        county_member.refresh_from_db()
        assert county_member.real_name == "张大明"

    def test_grant_add(self, admin_personas, county_member, village):
        url = f"/api/v1/users/{county_member.pk}/grants"
        assert_jurisdiction(
            admin_personas, "post", url, {"role": "village", "region": village.code}
        )
        assert county_member.grants.filter(region=village, role_id="village").exists()

    def test_grant_remove(self, admin_personas, county_member, village):
        grant = Grant.objects.create(user=county_member, role_id="village", region=village)
        url = f"/api/v1/users/{county_member.pk}/grants/{grant.pk}"
        assert_jurisdiction(admin_personas, "delete", url)
        assert not Grant.objects.filter(pk=grant.pk).exists()

    def test_roles(self, view_personas, county):
        assert_jurisdiction(view_personas, "get", f"/api/v1/roles?region={county.code}")


@pytest.mark.django_db
class TestBehaviour:
    def test_me(self, plain_admin, county):
        body = client_for(plain_admin).get("/api/v1/me").json()
        assert body["user"]["username"] == "plain_admin"
        assert [g["region_code"] for g in body["user"]["grants"]] == [county.code]
        assert "user.manage" in body["perms"] and "personal.view" not in body["perms"]

    def test_list_is_scoped_paginated_and_masked(self, view_personas, county_member):
        body = client_for(view_personas.in_region).get("/api/v1/users").json()
        usernames = {item["username"] for item in body["items"]}
        assert "member" in usernames and "sibling_admin" not in usernames
        assert body["count"] == len(body["items"])
        member = next(i for i in body["items"] if i["username"] == "member")
        assert member["phone"] == "138****1111"
        body = client_for(view_personas.read_only).get("/api/v1/users?q=member").json()
        # Masked for holders of PERSONAL_DATA_VIEW too (issue 12: masked by default).
        assert [i["phone"] for i in body["items"]] == ["138****1111"]

    def test_stale_version_is_409(self, admin_personas, county_member):
        client = client_for(admin_personas.in_region)
        url = f"/api/v1/users/{county_member.pk}"
        first = client.put(url, {"version": 1, "real_name": "甲"}, content_type="application/json")
        assert first.status_code == 200 and first.json()["version"] == 2
        second = client.put(url, {"version": 1, "real_name": "乙"}, content_type="application/json")
        assert second.status_code == 409
        assert second.json()["code"] == "conflict"
        assert second.json()["message"].startswith(f"该用户已被 {admin_personas.in_region} 于 ")

    def test_create_in_sibling_county_is_404(self, admin_personas, sibling_county):
        response = client_for(admin_personas.in_region).post(
            "/api/v1/users",
            {
                "username": "x9",
                "real_name": "甲",
                "password": PASSWORD,
                "role": "poverty_office",
                "region": sibling_county.code,
            },
            content_type="application/json",
        )
        assert response.status_code == 404
        assert not User.objects.filter(username="x9").exists()

    def test_roles_say_what_is_grantable(self, admin_personas, county):
        body = client_for(admin_personas.in_region).get(f"/api/v1/roles?region={county.code}")
        grantable = {r["code"]: r["grantable"] for r in body.json()}
        assert grantable["region_admin"] and grantable["poverty_office"]
        assert not grantable["sysadmin"] and not grantable["village"]

    def test_unauthenticated_is_401(self):
        assert Client().get("/api/v1/me").status_code == 401


@pytest.mark.django_db
class TestTokens:
    def test_bearer_token_lifecycle(self, admin_personas):
        owner = client_for(admin_personas.in_region)
        response = owner.post(
            "/api/v1/tokens", {"name": "报表同步"}, content_type="application/json"
        )
        assert response.status_code == 201
        body = response.json()
        raw = body["token"]
        row = ApiToken.objects.get(pk=body["id"])
        assert row.digest == token_digest(raw) and row.prefix == raw[:8] == body["prefix"]
        assert raw not in str(list(ApiToken.objects.values_list("digest", "prefix", "name")))

        bearer = Client(headers={"Authorization": f"Bearer {raw}"})
        me = bearer.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["user"]["username"] == "county_admin"
        listed = owner.get("/api/v1/tokens").json()
        assert "token" not in listed[0] and listed[0]["prefix"] == raw[:8]

        assert owner.delete(f"/api/v1/tokens/{row.pk}").status_code == 204
        assert bearer.get("/api/v1/me").status_code == 401

    def test_expired_token_is_401(self, admin_personas):
        owner = client_for(admin_personas.in_region)
        created = owner.post("/api/v1/tokens", {"name": "过期"}, content_type="application/json")
        raw = created.json()["token"]
        ApiToken.objects.filter(pk=created.json()["id"]).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        assert (
            Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401
        )

    def test_cannot_revoke_someone_elses_token(self, admin_personas):
        raw = (
            client_for(admin_personas.in_region)
            .post("/api/v1/tokens", {"name": "mine"}, content_type="application/json")
            .json()
        )
        other = client_for(admin_personas.out_of_region)
        assert other.delete(f"/api/v1/tokens/{raw['id']}").status_code == 404
        assert not ApiToken.objects.get(pk=raw["id"]).revoked
