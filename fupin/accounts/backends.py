"""Log in with the username (any case, surrounding spaces ignored) or the 11-digit mobile
phone number. `account_for_login` is the one place that maps a login string to an account:
the backend and the lockout counter (lockout.py) both use it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User


def account_for_login(login: str | None) -> User | None:
    """The account a login string names: an 11-digit number is a phone, anything else a
    username, compared without case (usernames are unique without case, services.py)."""
    login = (login or "").strip()
    if not login:
        return None
    if login.isdigit() and len(login) == 11:
        return User.objects.filter(phone=login).first()
    exact = User.objects.filter(username=login).first()
    if exact is not None:
        return exact
    matches = list(User.objects.filter(username__iexact=login)[:2])
    return matches[0] if len(matches) == 1 else None


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = account_for_login(username)
        if user is None:
            User().set_password(
                password
            )  # same cost as a real check: no user enumeration by timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
