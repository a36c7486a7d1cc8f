"""Writes on users, grants and API tokens. Every rule of delegation lives here.

Who may act on a user: a holder of USER_MANAGE (in a non-read-only role) covering *every*
grant the target holds. A target none of whose grants the actor can see is "not found"; a
target with a grant outside the actor's management is refused (403). Roles are delegated
downwards only: a manager grants roles of rank >= the rank of their own managing grant.

Nobody gains a permission through user management (issue 12): a manager grants a role only
when it holds every permission of that role itself in that region, never to itself, and it
edits, resets, unlocks or deactivates a user only when it could have granted each of that
user's grants (same rule, grant by grant, in the grant's own region). System administrators
are the exception: they hold every permission by definition.
"""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from fupin.core.access import Actor, GrantInUse, Perm, declared_permissions, permission_label
from fupin.core.context import audit_context
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.text import clean_text
from fupin.core.versioning import versioned_update
from fupin.regions.models import Level, Region

from .models import Grant, PermissionSeed, Role, User
from .roles import DEFAULT_ROLES
from .tokens import token_create, token_expiry_parse, token_revoke, tokens_revoke_all

__all__ = ["token_create", "token_expiry_parse", "token_revoke", "tokens_revoke_all"]

PHONE_RE = re.compile(r"^1[0-9]{10}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")


# --- rule helpers -------------------------------------------------------------------------


def _manages(grant: GrantInUse) -> bool:
    return (Perm.USER_MANAGE in grant.perms or grant.is_system_admin) and not grant.read_only


def manager_rank(actor: Actor, region_code: str) -> int | None:
    """The rank of the actor's strongest managing grant covering `region_code`, if any."""
    ranks = [g.role_rank for g in actor.in_use() if _manages(g) and g.covers(region_code)]
    return min(ranks) if ranks else None


def require_manage_region(actor: Actor, region_code: str) -> int:
    """404 outside the jurisdiction, 403 inside without USER_MANAGE; returns the rank."""
    if not actor.sees(region_code):
        raise NotFound()
    rank = manager_rank(actor, region_code)
    if rank is None:
        raise PermissionDenied("您没有管理该辖区用户的权限")
    return rank


def held_permissions(actor: Actor, region_code: str) -> frozenset[str]:
    """What the actor holds over `region_code`: the permissions of its grants in use there."""
    held: set[str] = set()
    for grant in actor.in_use():
        if grant.covers(region_code):
            held |= grant.perms
    return frozenset(held)


def lacking_permissions(actor: Actor, role: Role, region_code: str) -> list[str]:
    """The permissions of `role` the actor does not hold over `region_code` (none for a
    system administrator)."""
    if actor.is_system_admin:
        return []
    return sorted(set(role.permissions) - held_permissions(actor, region_code))


def _perm_names(codes: list[str]) -> str:
    names = "、".join(permission_label(code) for code in codes[:3])
    return f"{names}等{len(codes)}项" if len(codes) > 3 else names


def require_manage_user(actor: Actor, user: User) -> list[Grant]:
    """The target must lie wholly inside the actor's management (see the module docstring)."""
    grants = list(user.grants.select_related("role", "region"))
    if actor.user_id == user.pk and any(_manages(g) for g in actor.in_use()):
        return grants  # one's own account is always one's own business
    codes = [g.region_id for g in grants]
    if not actor.is_system_admin and not any(actor.sees(code) for code in codes):
        raise NotFound()
    for grant in grants:
        rank = manager_rank(actor, grant.region_id)
        if rank is None:
            raise PermissionDenied("该用户持有您管辖范围以外的授权，您无权管理")
        if grant.role.is_system_admin and not actor.is_system_admin:
            raise PermissionDenied("只有系统管理员可以管理系统管理员账号")
        if grant.role.rank < rank:
            raise PermissionDenied(f"该用户持有级别高于您的角色「{grant.role.name}」，您无权管理")
        missing = lacking_permissions(actor, grant.role, grant.region_id)
        if missing:
            raise PermissionDenied(
                f"该用户持有您本人没有的权限（{_perm_names(missing)}），您无权管理"
            )
    if not grants and not actor.is_system_admin:
        raise NotFound()
    return grants


def _load_user(pk: int) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def check_grantable(actor: Actor, *, role: Role, region: Region) -> None:
    """Raise unless the actor may grant `role` at `region`."""
    rank = require_manage_region(actor, region.code)
    if role.is_system_admin and not actor.is_system_admin:
        raise PermissionDenied("只有系统管理员可以授予系统管理员角色")
    if role.rank < rank:
        raise PermissionDenied(f"不能授予级别高于您本人的角色「{role.name}」")
    missing = lacking_permissions(actor, role, region.code)
    if missing:
        raise PermissionDenied(
            f"不能授予超出您本人权限的角色「{role.name}」：您在{region.name}没有"
            f"{_perm_names(missing)}的权限"
        )
    if region.level not in role.levels:
        allowed = "、".join(Level(level).label for level in sorted(role.levels)) or "无"
        raise ValidationFailed(
            f"角色「{role.name}」只能授予在{allowed}层级，不能授予在{region.level_label}级区划",
            errors={"region": ["该角色不能授予在此层级"]},
        )


def is_grantable(actor: Actor, *, role: Role, region: Region) -> bool:
    try:
        check_grantable(actor, role=role, region=region)
    except (NotFound, PermissionDenied, ValidationFailed):
        return False
    return True


def _role(code: str) -> Role:
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise ValidationFailed("角色不存在", errors={"role": ["请选择有效的角色"]})
    return role


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound("区划不存在或不在您的管辖范围内")
    return region


def _validate_phone(phone: str, *, exclude_pk: int | None = None) -> str | None:
    phone = (phone or "").strip()
    if not phone:
        return None
    if not PHONE_RE.match(phone):
        raise ValidationFailed("手机号码应为以1开头的11位数字", errors={"phone": ["格式不正确"]})
    clash = User.objects.filter(phone=phone)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationFailed(
            "该手机号码已被其他用户使用", errors={"phone": ["该手机号码已被其他用户使用"]}
        )
    return phone


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ValidationFailed("；".join(messages), errors={"password": messages}) from exc


# --- users --------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    real_name: str,
    password: str,
    role_code: str,
    region_code: str,
    phone: str = "",
    title: str = "",
) -> User:
    """A new user always comes with a first grant: a user without one would be invisible."""
    region = _region(region_code)
    role = _role(role_code)
    check_grantable(actor, role=role, region=region)
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "用户名应为3位以上字母、数字或 _.@+- 符号", errors={"username": ["格式不正确"]}
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed("该用户名已存在", errors={"username": ["该用户名已存在"]})
    real_name = clean_text(real_name, "real_name", "姓名")
    user = User(
        username=username,
        real_name=real_name,
        phone=_validate_phone(phone),
        title=(title or "").strip(),
        must_change_password=True,
    )
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with audit_context(reason="新建用户"):
        user.save()
        Grant.objects.create(user=user, role=role, region=region, granted_by_id=actor.user_id)
    return user


@transaction.atomic
def user_update(
    *,
    actor: Actor,
    user_id: int,
    version: int,
    real_name: str,
    phone: str = "",
    title: str = "",
    email: str = "",
) -> User:
    user = _load_user(user_id)
    require_manage_user(actor, user)
    real_name = clean_text(real_name, "real_name", "姓名")
    versioned_update(
        User,
        pk=user.pk,
        version=version,
        actor_id=actor.user_id,
        values={
            "real_name": real_name,
            "phone": _validate_phone(phone, exclude_pk=user.pk),
            "title": (title or "").strip(),
            "email": (email or "").strip(),
        },
        subject="该用户",
    )
    user.refresh_from_db()
    return user


@transaction.atomic
def user_set_active(*, actor: Actor, user_id: int, active: bool) -> User:
    user = _load_user(user_id)
    require_manage_user(actor, user)
    if not active and user.pk == actor.user_id:
        raise PermissionDenied("不能停用自己的账号")
    with audit_context(reason="启用账号" if active else "停用账号"):
        User.objects.filter(pk=user.pk).update(is_active=active, version=F("version") + 1)
    if not active:
        tokens_revoke_all(user_id=user.pk, reason="停用账号")
    user.refresh_from_db()
    return user


@transaction.atomic
def user_reset_password(*, actor: Actor, user_id: int, password: str) -> User:
    """Set a temporary password; the user must change it at the next login."""
    user = _load_user(user_id)
    require_manage_user(actor, user)
    _validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    with audit_context(reason="重置密码"):
        user.save(update_fields=["password", "must_change_password"])
    tokens_revoke_all(user_id=user.pk, reason="重置密码")
    return user


def user_unlock(*, actor: Actor, user_id: int) -> int:
    """Clear the login-failure lockout (django-axes) of the account, whatever login string
    the failures used (they are counted under the username, lockout.py)."""
    from axes.utils import reset

    user = _load_user(user_id)
    require_manage_user(actor, user)
    return int(reset(username=user.username))


def password_changed(*, user: User) -> None:
    """Called after the user changed their own password."""
    tokens_revoke_all(user_id=user.pk, reason="修改密码")
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False


# --- grants -------------------------------------------------------------------------------


@transaction.atomic
def grant_add(*, actor: Actor, user_id: int, role_code: str, region_code: str) -> Grant:
    user = _load_user(user_id)
    if user.pk == actor.user_id:
        raise PermissionDenied("不能为自己授权")
    require_manage_user(actor, user)
    region = _region(region_code)
    role = _role(role_code)
    check_grantable(actor, role=role, region=region)
    if Grant.objects.filter(user=user, role=role, region=region).exists():
        raise ValidationFailed("该用户已在此区划拥有该角色", errors={"role": ["授权已存在"]})
    with audit_context(reason="授权"):
        return Grant.objects.create(
            user=user, role=role, region=region, granted_by_id=actor.user_id
        )


@transaction.atomic
def grant_remove(*, actor: Actor, user_id: int, grant_id: int) -> None:
    user = _load_user(user_id)
    if user.pk == actor.user_id:
        raise PermissionDenied("不能修改自己的授权，请由其他管理员办理")
    grants = require_manage_user(actor, user)
    grant = next((g for g in grants if g.pk == grant_id), None)
    if grant is None:
        raise NotFound()
    rank = require_manage_region(actor, grant.region_id)
    if grant.role.is_system_admin and not actor.is_system_admin:
        raise PermissionDenied("只有系统管理员可以收回系统管理员角色")
    if grant.role.rank < rank:
        raise PermissionDenied(f"不能收回级别高于您本人的角色「{grant.role.name}」")
    if len(grants) == 1:
        raise ValidationFailed("用户至少须保留一项授权；如不再使用该账号，请停用")
    with audit_context(reason="收回授权"):
        Grant.objects.filter(pk=grant.pk).delete()


def roles_sync() -> dict[str, int]:
    """Create the default roles a database lacks and grant every declared permission that was
    never granted before to its default roles and to every system-administrator role.

    Runs after every migrate (so a permission a new app declares reaches existing databases)
    and is idempotent: a permission is granted once (`PermissionSeed`), so one an
    administrator removed from a role later stays removed.
    """
    with transaction.atomic(), audit_context(reason="初始化角色与权限"):
        created = 0
        for sort, spec in enumerate(DEFAULT_ROLES):
            _, made = Role.objects.get_or_create(
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "description": spec.description,
                    "rank": spec.rank,
                    "levels": list(spec.levels),
                    "permissions": [],
                    "read_only": spec.read_only,
                    "is_system_admin": spec.is_system_admin,
                    "sort": sort,
                },
            )
            created += made
        seeded = set(PermissionSeed.objects.values_list("code", flat=True))
        fresh = [p for p in declared_permissions() if p.code not in seeded]
        roles = {role.code: role for role in Role.objects.all()}
        for role in roles.values():
            wanted = [
                p.code
                for p in fresh
                if (role.is_system_admin or role.code in p.default_roles)
                and p.code not in role.permissions
            ]
            if wanted:
                role.permissions = [*role.permissions, *wanted]
                role.save(update_fields=["permissions"])
        PermissionSeed.objects.bulk_create(
            [PermissionSeed(code=p.code) for p in fresh], ignore_conflicts=True
        )
    return {"roles": created, "permissions": len(fresh)}


def on_post_migrate(sender: object, **kwargs: object) -> None:
    roles_sync()
