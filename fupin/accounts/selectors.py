"""Scoped reads of users and grants.

A user is listed when they hold at least one grant inside the actor's USER_VIEW jurisdiction;
only the grants inside that jurisdiction are shown.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from fupin.core.access import (
    ALL_REGIONS,
    Actor,
    GrantInUse,
    Perm,
    all_permission_codes,
    system_actor,
)
from fupin.core.api.auth import token_digest
from fupin.core.context import audit_context
from fupin.core.errors import NotFound, PermissionDenied
from fupin.core.masking import mask_phone

from .models import ApiToken, Grant, Role, User


def _visible_grants(actor: Actor) -> QuerySet[Grant]:
    return Grant.objects.filter(actor.scope_q(Perm.USER_VIEW, field="region__code"))


def user_list(actor: Actor, *, query: str = "", region_code: str = "") -> QuerySet[User]:
    """Users holding a grant in the jurisdiction (optionally under `region_code`)."""
    if not actor.region_codes(Perm.USER_VIEW):
        raise PermissionDenied("您没有查看用户的权限")
    grants = _visible_grants(actor)
    if region_code:
        actor.require(Perm.USER_VIEW, region_code)
        grants = grants.filter(region__code__startswith=region_code)
    users = User.objects.filter(Exists(grants.filter(user=OuterRef("pk"))))
    query = (query or "").strip()
    if query:
        # Phones are masked for everyone, so a part of one never matches: that would reveal
        # it digit by digit (issue 12: a hidden number recovered in 23 searches). A holder of
        # personal-data view may find a user by the whole number, which tells nothing new.
        match = Q(real_name__icontains=query) | Q(username__icontains=query)
        if sees_personal_data(actor) and len(query) == 11 and query.isdigit():
            match |= Q(phone=query)
        users = users.filter(match)
    return users.prefetch_related(
        Prefetch(
            "grants",
            queryset=_visible_grants(actor).select_related("role", "region"),
            to_attr="visible_grants",
        )
    ).order_by("username")


def access_user(actor: Actor, pk: int) -> User:
    """404 if missing or none of the user's grants is visible; 403 without USER_VIEW."""
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise NotFound()
    codes = list(user.grants.values_list("region__code", flat=True))
    if user.pk != actor.user_id:
        if not actor.is_system_admin and not any(actor.sees(code) for code in codes):
            raise NotFound()
        if not actor.is_system_admin and not any(actor.can(Perm.USER_VIEW, code) for code in codes):
            raise PermissionDenied("您没有查看用户的权限")
    user.visible_grants = list(  # type: ignore[attr-defined]
        _visible_grants(actor).filter(user=user).select_related("role", "region", "granted_by")
    )
    user.hidden_grant_count = len(codes) - len(user.visible_grants)  # type: ignore[attr-defined]
    return user


def sees_personal_data(actor: Actor) -> bool:
    """Whether the actor holds personal-data view: may reveal users' phones (audited) and find
    a user by the whole phone number."""
    return actor.has_perm(Perm.PERSONAL_DATA_VIEW)


def display_phone(actor: Actor, phone: str | None) -> str:
    """A user's phone as lists, pages and the API show it: masked for everyone (SPEC §10)."""
    if not phone:
        return ""
    return mask_phone(phone)


def role_list() -> QuerySet[Role]:
    return Role.objects.all()


def token_list(actor: Actor) -> QuerySet[ApiToken]:
    if actor.user_id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.user_id).order_by("-created_at")


def load_actor(user: object, active_id: int | None = None) -> Actor:
    user_id = getattr(user, "pk", None)
    if user_id is None or not getattr(user, "is_authenticated", False):
        return system_actor()
    rows = (
        Grant.objects.filter(user_id=user_id)
        .select_related("role", "region")
        .order_by("region__level", "role__rank", "id")
    )
    grants = tuple(
        GrantInUse(
            id=g.pk,
            role_code=g.role.code,
            role_name=g.role.name,
            role_rank=g.role.rank,
            region_code=g.region.code,
            region_name=g.region.name,
            region_level=g.region.level,
            perms=frozenset(g.role.permissions),
            read_only=g.role.read_only,
            is_system_admin=g.role.is_system_admin,
        )
        for g in rows
    )
    if getattr(user, "is_superuser", False):
        grants = (
            GrantInUse(
                id=0,
                role_code="superuser",
                role_name="超级管理员",
                role_rank=0,
                region_code=ALL_REGIONS,
                region_name="全国",
                region_level=0,
                perms=all_permission_codes(),
                read_only=False,
                is_system_admin=True,
            ),
            *grants,
        )
    if active_id is not None and not any(g.id == active_id for g in grants):
        active_id = None
    return Actor(
        user_id=user_id, username=getattr(user, "username", ""), grants=grants, active_id=active_id
    )


def token_user(token: str) -> tuple[User, Actor] | None:
    """The active user behind a live API token (and its actor); marks the token used."""
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked=False, user__is_active=True)
        .first()
    )
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    with audit_context(actor_id=row.user_id, actor_name=row.user.username):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user, load_actor(row.user)
