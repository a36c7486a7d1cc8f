"""User-management pages: jurisdiction of every endpoint and what users see."""

from __future__ import annotations

import pytest

from fupin.accounts.models import Grant, User
from fupin.testing import assert_jurisdiction, client_for, make_user

PASSWORD = "Fupin2024abc"


@pytest.mark.django_db
class TestJurisdiction:
    def test_list(self, view_personas, county):
        assert_jurisdiction(view_personas, "get", f"/accounts/users/?region={county.code}")

    def test_create_form(self, admin_personas, county):
        assert_jurisdiction(
            admin_personas, "get", f"/accounts/users/new/?region={county.code}", write=True
        )

    def test_create(self, admin_personas, township):
        data = {
            "username": "newbie",
            "real_name": "李四",
            "password": PASSWORD,
            "role": "township",
            "region": township.code,
        }
        assert_jurisdiction(admin_personas, "post", "/accounts/users/new/", data, ok=(302,))
        assert User.objects.get(username="newbie").grants.get().region_id == township.code

    def test_detail(self, view_personas, county_member):
        assert_jurisdiction(view_personas, "get", f"/accounts/users/{county_member.pk}/")

    def test_edit_form(self, admin_personas, county_member):
        assert_jurisdiction(
            admin_personas, "get", f"/accounts/users/{county_member.pk}/edit/", write=True
        )

    def test_edit(self, admin_personas, county_member):
        data = {"real_name": "张大明", "phone": "13800001111", "version": 1}
        assert_jurisdiction(
            admin_personas, "post", f"/accounts/users/{county_member.pk}/edit/", data, ok=(302,)
        )
        county_member.refresh_from_db()
        assert (county_member.real_name, county_member.version) == ("张大明", 2)

    def test_deactivate(self, admin_personas, county_member):
        url = f"/accounts/users/{county_member.pk}/active/"
        assert_jurisdiction(admin_personas, "post", url, {"active": "0"}, ok=(302,))
        county_member.refresh_from_db()
        assert not county_member.is_active

    def test_reset_password(self, admin_personas, county_member):
        url = f"/accounts/users/{county_member.pk}/password/"
        assert_jurisdiction(admin_personas, "post", url, {"password": PASSWORD}, ok=(302,))
        county_member.refresh_from_db()
        assert county_member.check_password(PASSWORD) and county_member.must_change_password

    def test_unlock(self, admin_personas, county_member):
        url = f"/accounts/users/{county_member.pk}/unlock/"
        assert_jurisdiction(admin_personas, "post", url, ok=(302,))

    def test_grant_add(self, admin_personas, county_member, village):
        url = f"/accounts/users/{county_member.pk}/grants/"
        data = {"role": "village", "region": village.code}
        assert_jurisdiction(admin_personas, "post", url, data, ok=(302,))
        assert county_member.grants.filter(role_id="village", region=village).exists()

    def test_grant_remove(self, admin_personas, county_member, village):
        grant = Grant.objects.create(user=county_member, role_id="village", region=village)
        url = f"/accounts/users/{county_member.pk}/grants/{grant.pk}/delete/"
        assert_jurisdiction(admin_personas, "post", url, ok=(302,))
        assert not Grant.objects.filter(pk=grant.pk).exists()


@pytest.mark.django_db
class TestWhatUsersSee:
    def test_viewer_without_user_view_gets_403(self, admin_personas, county_member):
        client = client_for(admin_personas.read_only)
        assert client.get("/accounts/users/").status_code == 403
        assert client.get(f"/accounts/users/{county_member.pk}/").status_code == 403

    def test_list_shows_only_jurisdiction_and_masks_phone(
        self, view_personas, county_member, sibling_county
    ):
        make_user("outsider", ("poverty_office", sibling_county.code), real_name="外县人")
        text = client_for(view_personas.in_region).get("/accounts/users/").content.decode()
        assert "张小明" in text and "外县人" not in text
        assert "138****1111" in text and "13800001111" not in text
        # The discipline inspector holds PERSONAL_DATA_VIEW: still masked (issue 12).
        text = client_for(view_personas.read_only).get("/accounts/users/").content.decode()
        assert "13800001111" not in text and "138****1111" in text

    def test_search(self, view_personas, county_member, township):
        make_user("wangwu", ("township", township.code), real_name="王五")
        client = client_for(view_personas.in_region)
        for term in ("小明", "member"):
            text = client.get("/accounts/users/", {"q": term}).content.decode()
            assert "张小明" in text and "王五" not in text, term
        # Phones are masked for everyone, so a part of one never matches; the discipline
        # inspector (personal-data view) finds a user by the whole number.
        assert "张小明" not in client.get("/accounts/users/", {"q": "1111"}).content.decode()
        inspector = client_for(view_personas.read_only)
        assert "张小明" not in inspector.get("/accounts/users/", {"q": "1111"}).content.decode()
        posted = inspector.post("/accounts/users/", {"q": "13800001111"})  # by POST: not in a URL
        found = inspector.get(posted["Location"]).content.decode()
        assert "张小明" in found and "王五" not in found

    def test_list_query_count(self, view_personas, township, django_assert_max_num_queries):
        for i in range(15):
            make_user(f"bulk{i}", ("township", township.code))
        client = client_for(view_personas.in_region)
        client.get("/accounts/users/")  # warm the session
        with django_assert_max_num_queries(14):
            assert client.get("/accounts/users/").status_code == 200

    def test_stale_edit_shows_conflict(self, admin_personas, county_member):
        client = client_for(admin_personas.in_region)
        url = f"/accounts/users/{county_member.pk}/edit/"
        client.post(url, {"real_name": "甲", "version": "1"})
        response = client.post(url, {"real_name": "乙", "version": "1"})
        assert response.status_code == 409
        assert f"该用户已被 {admin_personas.in_region} 于 " in response.content.decode()

    def test_create_form_shows_chinese_errors(self, admin_personas, township, county_member):
        response = client_for(admin_personas.in_region).post(
            "/accounts/users/new/",
            {
                "username": "x1y2z3",
                "real_name": "赵六",
                "password": "short1",
                "role": "township",
                "region": township.code,
                "phone": county_member.phone,
            },
        )
        assert response.status_code == 422
        assert "该手机号码已被其他用户使用" in response.content.decode()

    def test_detail_shows_grants_and_actions(self, admin_personas, county_member, township):
        text = (
            client_for(admin_personas.in_region)
            .get(f"/accounts/users/{county_member.pk}/")
            .content.decode()
        )
        assert township.name in text and "乡镇工作人员" in text
        assert "解除登录锁定" in text and "添加授权" in text

    def test_refused_grant_shows_message(self, admin_personas, county_member, county):
        client = client_for(admin_personas.in_region)
        response = client.post(
            f"/accounts/users/{county_member.pk}/grants/",
            {"role": "village", "region": county.code},
            follow=True,
        )
        assert "只能授予在村/社区层级" in response.content.decode()
