"""Login by phone, lockout (django-axes with a database limit), idle timeout,
must-change-password, and the jurisdiction switcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from fupin.accounts.models import Grant, User
from fupin.core.models import Parameter
from fupin.testing import client_for, make_user

PASSWORD = "Passw0rd!x"
NEW_PASSWORD = "Fupin2024abc"


def login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


@pytest.mark.django_db
class TestLogin:
    def test_login_by_phone_number(self, county):
        make_user("phoneuser", ("viewer", county.code), phone="13912345678")
        client = Client()
        response = login(client, "13912345678", PASSWORD)
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get("/").status_code == 200

    def test_deactivated_user_is_logged_out_and_cannot_log_in(self, admin_personas, county):
        user = make_user("leaver", ("viewer", county.code))
        client = Client()
        login(client, "leaver", PASSWORD)
        assert client.get("/").status_code == 200
        client_for(admin_personas.in_region).post(
            f"/accounts/users/{user.pk}/active/", {"active": "0"}
        )
        assert client.get("/").status_code == 302
        assert login(Client(), "leaver", PASSWORD).status_code == 200  # form error, no session

    def test_wrong_password_shows_chinese_error(self, county):
        make_user("someone", ("viewer", county.code))
        response = login(Client(), "someone", "wrong-password1")
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()

    def test_five_failures_lock_the_account(self, county):
        make_user("victim", ("viewer", county.code))
        client = Client()
        for _ in range(4):
            assert login(client, "victim", "wrong-password1").status_code == 200
        # The fifth failure locks; the sixth attempt, with the right password, is refused.
        assert login(client, "victim", "wrong-password1").status_code == 429
        response = login(client, "victim", PASSWORD)
        assert response.status_code == 429
        assert "账号已被临时锁定" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_four_failures_do_not_lock(self, county):
        make_user("victim", ("viewer", county.code))
        client = Client()
        for _ in range(4):
            login(client, "victim", "wrong-password1")
        assert login(client, "victim", PASSWORD).status_code == 302

    def test_limit_is_a_database_parameter(self, county):
        Parameter.objects.create(key="accounts.login_failure_limit", value=3)
        make_user("victim", ("viewer", county.code))
        client = Client()
        for _ in range(3):
            login(client, "victim", "wrong-password1")
        response = login(client, "victim", PASSWORD)
        assert response.status_code == 429
        assert "账号已被临时锁定" in response.content.decode()

    def test_admin_unlocks(self, admin_personas, county):
        victim = make_user("victim", ("viewer", county.code))
        client = Client()
        for _ in range(5):
            login(client, "victim", "wrong-password1")
        assert login(client, "victim", PASSWORD).status_code == 429
        response = client_for(admin_personas.in_region).post(
            f"/accounts/users/{victim.pk}/unlock/", follow=True
        )
        assert "已解除登录锁定" in response.content.decode()
        assert login(Client(), "victim", PASSWORD).status_code == 302

    def test_failures_count_against_the_account_whatever_the_login_string(self, county):
        make_user("victim", ("viewer", county.code), phone="13912345678")
        client = Client()
        for login_string in ("victim", "13912345678", " VICTIM ", "Victim", " 13912345678"):
            login(client, login_string, "wrong-password1")
        # Locked now, by username and by phone alike, even with the right password.
        for login_string in ("victim", "13912345678", "VICTIM"):
            response = login(client, login_string, PASSWORD)
            assert response.status_code == 429, login_string
            assert "账号已被临时锁定" in response.content.decode()
            assert "_auth_user_id" not in client.session

    def test_locked_by_username_refuses_the_phone_login(self, county):
        make_user("victim", ("viewer", county.code), phone="13912345678")
        for _ in range(5):
            login(Client(), "victim", "wrong-password1")
        client = Client()
        response = login(client, "13912345678", PASSWORD)
        assert response.status_code == 429 and "_auth_user_id" not in client.session

    def test_correct_password_does_not_unlock_before_the_cool_off(self, county, settings):
        from axes.models import AccessAttempt

        make_user("victim", ("viewer", county.code))
        for _ in range(5):
            login(Client(), "victim", "wrong-password1")
        for _ in range(3):
            assert login(Client(), "victim", PASSWORD).status_code == 429
        # Once the cool-off has passed, the right password works again.
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
        )
        assert login(Client(), "victim", PASSWORD).status_code == 302

    def test_login_ignores_case_and_whitespace_of_the_username(self, county):
        make_user("zhangsan", ("viewer", county.code))
        assert login(Client(), " ZhangSan ", PASSWORD).status_code == 302

    def test_admin_unlocks_an_account_locked_by_phone(self, admin_personas, county):
        victim = make_user("victim", ("viewer", county.code), phone="13912345678")
        for _ in range(5):
            login(Client(), "13912345678", "wrong-password1")
        assert login(Client(), "victim", PASSWORD).status_code == 429
        client_for(admin_personas.in_region).post(f"/accounts/users/{victim.pk}/unlock/")
        assert login(Client(), "13912345678", PASSWORD).status_code == 302

    def test_expired_session_redirects_to_login(self, county):
        user = make_user("idle", ("viewer", county.code))
        client = Client()
        assert login(client, "idle", PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
        session = Session.objects.get(session_key=client.session.session_key)
        # The idle timeout (SESSION_COOKIE_AGE) is renewed on each request.
        remaining = session.expire_date - timezone.now()
        assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
        Session.objects.filter(pk=session.pk).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert user.pk  # the account itself is untouched


@pytest.mark.django_db
@pytest.mark.usefixtures("must_change_middleware")
class TestMustChangePassword:
    def test_redirected_until_changed(self, county):
        make_user("fresh", ("viewer", county.code), must_change_password=True)
        client = Client()
        login(client, "fresh", PASSWORD)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/accounts/password/"
        assert client.get("/regions/").status_code == 302
        page = client.get("/accounts/password/")
        assert page.status_code == 200 and "请先修改密码" in page.content.decode()
        response = client.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert not User.objects.get(username="fresh").must_change_password
        assert client.get("/").status_code == 200

    def test_weak_new_password_refused_in_chinese(self, county):
        make_user("fresh", ("viewer", county.code), must_change_password=True)
        client = Client()
        login(client, "fresh", PASSWORD)
        response = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"},
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "密码太短，至少需要 10 个字符。" in text and "too short" not in text
        assert User.objects.get(username="fresh").must_change_password

    def test_same_password_refused(self, county):
        make_user("fresh", ("viewer", county.code), must_change_password=True)
        client = Client()
        login(client, "fresh", PASSWORD)
        response = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
        )
        assert response.status_code == 200
        assert "新密码不能与原密码相同" in response.content.decode()
        assert User.objects.get(username="fresh").must_change_password

    def test_api_refuses_until_changed(self, county):
        make_user("fresh", ("viewer", county.code), must_change_password=True)
        client = Client()
        login(client, "fresh", PASSWORD)
        response = client.get("/api/v1/me")
        assert response.status_code == 403
        assert response.json()["code"] == "password_change_required"


@pytest.mark.django_db
class TestSwitcher:
    def test_switch_to_township_narrows_jurisdiction(self, county, township, sibling_township):
        user = make_user("dual", ("poverty_office", county.code), ("township", township.code))
        neighbour = make_user("neighbour", ("township", sibling_township.code))
        client = client_for(user)
        assert client.get(f"/accounts/users/{neighbour.pk}/").status_code == 200
        grant = Grant.objects.get(user=user, region=township)
        response = client.post("/accounts/switch/", {"grant": grant.pk, "next": "/accounts/users/"})
        assert response.status_code == 302 and response["Location"] == "/accounts/users/"
        assert client.get(f"/accounts/users/{neighbour.pk}/").status_code == 404
        page = client.get("/").content.decode()
        crumb = page.split('data-testid="jurisdiction"', 1)[1].split("</ol>", 1)[0]
        for name in ("四川省", "遂宁市", "射洪市", township.name):
            assert name in crumb
        # Back to all grants: the county view returns.
        client.post("/accounts/switch/", {"grant": ""})
        assert client.get(f"/accounts/users/{neighbour.pk}/").status_code == 200

    def test_cannot_switch_to_someone_elses_grant(self, county, township, sibling_county):
        user = make_user("dual", ("poverty_office", county.code), ("township", township.code))
        other = make_user("other", ("poverty_office", sibling_county.code))
        foreign = Grant.objects.get(user=other)
        client = client_for(user)
        client.post("/accounts/switch/", {"grant": foreign.pk})
        assert "active_grant" not in client.session
        outsider = make_user("outsider", ("township", sibling_county.children.first().code))
        assert client.get(f"/accounts/users/{outsider.pk}/").status_code == 404
