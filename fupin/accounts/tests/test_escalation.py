"""Issue 12 point 4: a user administrator cannot gain permissions it does not hold.

The attacker is `plain_admin`, a county administrator holding USER_MANAGE but no business
permission and no PERSONAL_DATA_VIEW. Each test replays one step of the probe.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from fupin.accounts import services
from fupin.accounts.models import Grant, User
from fupin.accounts.selectors import load_actor
from fupin.core.errors import PermissionDenied
from fupin.testing import client_for, make_user

PASSWORD = "Fupin2024abc"


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.django_db
class TestGrants:
    def test_no_self_grant(self, plain_admin, county):
        with pytest.raises(PermissionDenied, match="不能为自己授权"):
            services.grant_add(
                actor=load_actor(plain_admin),
                user_id=plain_admin.pk,
                role_code="poverty_office",
                region_code=county.code,
            )
        response = post_json(
            client_for(plain_admin),
            f"/api/v1/users/{plain_admin.pk}/grants",
            {"role": "poverty_office", "region": county.code},
        )
        assert response.status_code == 403
        assert response.json()["message"] == "不能为自己授权"
        assert list(plain_admin.grants.values_list("role_id", flat=True)) == ["region_admin"]

    def test_no_self_grant_even_of_a_role_one_holds(self, admin_personas, township):
        me = admin_personas.in_region
        with pytest.raises(PermissionDenied, match="不能为自己授权"):
            services.grant_add(
                actor=load_actor(me), user_id=me.pk, role_code="township", region_code=township.code
            )

    def test_no_removing_own_grants(self, admin_personas):
        me = admin_personas.in_region
        office = Grant.objects.get(user=me, role_id="poverty_office")
        with pytest.raises(PermissionDenied, match="不能修改自己的授权"):
            services.grant_remove(actor=load_actor(me), user_id=me.pk, grant_id=office.pk)
        assert Grant.objects.filter(pk=office.pk).exists()

    def test_cannot_grant_a_role_with_permissions_one_lacks(self, plain_admin, county):
        colleague = make_user("colleague", ("region_admin", county.code))
        with pytest.raises(PermissionDenied, match="不能授予超出您本人权限的角色「扶贫办"):
            services.grant_add(
                actor=load_actor(plain_admin),
                user_id=colleague.pk,
                role_code="poverty_office",
                region_code=county.code,
            )
        response = post_json(
            client_for(plain_admin),
            f"/api/v1/users/{colleague.pk}/grants",
            {"role": "poverty_office", "region": county.code},
        )
        assert response.status_code == 403
        assert "不能授予超出您本人权限的角色" in response.json()["message"]
        assert not colleague.grants.filter(role_id="poverty_office").exists()

    def test_cannot_create_a_user_with_such_a_role(self, plain_admin, county):
        response = post_json(
            client_for(plain_admin),
            "/api/v1/users",
            {
                "username": "sockpuppet",
                "real_name": "李四",
                "password": PASSWORD,
                "role": "poverty_office",
                "region": county.code,
            },
        )
        assert response.status_code == 403
        assert not User.objects.filter(username="sockpuppet").exists()

    def test_a_subset_role_is_grantable(self, plain_admin, county):
        user = services.user_create(
            actor=load_actor(plain_admin),
            username="deputy",
            real_name="李四",
            password=PASSWORD,
            role_code="region_admin",
            region_code=county.code,
        )
        assert user.grants.get().role_id == "region_admin"

    def test_permissions_count_only_in_that_region(self, county, sibling_county, township):
        # USER_MANAGE in the county; the poverty office's permissions only in the sibling county.
        split = make_user(
            "split", ("region_admin", county.code), ("poverty_office", sibling_county.code)
        )
        colleague = make_user("colleague", ("region_admin", county.code))
        with pytest.raises(PermissionDenied, match="超出您本人权限"):
            services.grant_add(
                actor=load_actor(split),
                user_id=colleague.pk,
                role_code="township",
                region_code=township.code,
            )

    def test_roles_endpoint_tells_the_plain_admin_what_it_may_grant(self, plain_admin, county):
        body = client_for(plain_admin).get(f"/api/v1/roles?region={county.code}").json()
        grantable = {r["code"] for r in body if r["grantable"]}
        assert grantable == {"region_admin"}


@pytest.mark.django_db
class TestManagingHigherAccess:
    @pytest.fixture
    def office(self, county):
        return make_user("office", ("poverty_office", county.code), phone="13900007777")

    def test_reset_password_of_a_user_holding_more_is_refused(self, plain_admin, office):
        with pytest.raises(PermissionDenied, match="该用户持有您本人没有的权限"):
            services.user_reset_password(
                actor=load_actor(plain_admin), user_id=office.pk, password=PASSWORD
            )
        response = client_for(plain_admin).post(
            f"/accounts/users/{office.pk}/password/", {"password": PASSWORD}
        )
        assert response.status_code == 403
        office.refresh_from_db()
        assert office.check_password("Passw0rd!x") and not office.must_change_password

    def test_edit_and_deactivate_are_refused(self, plain_admin, office):
        client = client_for(plain_admin)
        response = client.put(
            f"/api/v1/users/{office.pk}",
            {"version": 1, "real_name": "冒名", "phone": "13900008888"},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert "您本人没有的权限" in response.json()["message"]
        response = client.post(f"/accounts/users/{office.pk}/active/", {"active": "0"})
        assert response.status_code == 403
        office.refresh_from_db()
        assert office.is_active and office.phone == "13900007777" and office.real_name == ""

    def test_a_user_holding_no_more_is_still_managed(self, plain_admin, county):
        colleague = make_user("colleague", ("region_admin", county.code))
        services.user_reset_password(
            actor=load_actor(plain_admin), user_id=colleague.pk, password=PASSWORD
        )
        colleague.refresh_from_db()
        assert colleague.check_password(PASSWORD)

    def test_the_detail_page_offers_no_management(self, plain_admin, office):
        page = client_for(plain_admin).get(f"/accounts/users/{office.pk}/")
        assert page.status_code == 200
        assert f"/accounts/users/{office.pk}/password/" not in page.content.decode()


def _api_search(client: Any, term: str) -> Any:
    # A phone-shaped term goes in a POST body (never in a URL), other terms by GET.
    if len(term) == 11:
        return client.post(
            "/api/v1/users/search", json.dumps({"q": term}), content_type="application/json"
        ).json()
    return client.get("/api/v1/users", {"q": term}).json()


def _page_search(client: Any, term: str) -> str:
    posted = client.post("/accounts/users/", {"q": term})
    return client.get(posted["Location"]).content.decode()


@pytest.mark.django_db
class TestSearchDoesNotMatchMaskedFields:
    def test_phone_prefix_probe_finds_nothing(self, plain_admin, county_member):
        client = client_for(plain_admin)
        phone = county_member.phone
        for n in (1, 3, 7, 10, 11):
            body = _api_search(client, phone[:n])
            assert body["items"] == [], phone[:n]
            page = _page_search(client, phone[:n])
            assert county_member.username not in page, phone[:n]
        # The other fields still match.
        body = client.get("/api/v1/users", {"q": "张小"}).json()
        assert [i["username"] for i in body["items"]] == ["member"]

    def test_a_holder_of_personal_view_finds_a_user_by_the_whole_number_only(
        self, view_personas, county_member
    ):
        # The county discipline inspector holds PERSONAL_DATA_VIEW; phones are masked for
        # everyone (an audited reveal shows one), so only the whole number matches.
        client = client_for(view_personas.read_only)
        assert _api_search(client, "1380000")["items"] == []
        body = _api_search(client, "13800001111")
        assert [i["username"] for i in body["items"]] == ["member"]
