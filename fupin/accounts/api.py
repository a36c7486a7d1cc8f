"""Users, grants, roles and API tokens. Every read is scoped; every write is a service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Body, Router, Status
from ninja.pagination import paginate
from pydantic import Field

from fupin.core.access import Actor, Perm, actor_of
from fupin.core.api import Pagination, Schema
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.masking import is_personal_number

from . import selectors, services
from .models import ApiToken, Grant, User

SEARCH_BY_POST = (
    "为保护个人信息，按手机号查询用户请用 POST /api/v1/users/search，把查询内容放在请求体中"
)

router = Router(tags=["用户与授权"])


class GrantOut(Schema):
    id: int
    role: str
    role_name: str
    region_code: str
    region_name: str
    region_level: int


class UserOut(Schema):
    id: int
    username: str
    real_name: str
    phone: str
    title: str
    email: str
    is_active: bool
    must_change_password: bool
    version: int
    grants: list[GrantOut]


class UserListOut(Schema):
    """A list row; the phone is masked and grants limited to the caller's jurisdiction."""

    id: int
    username: str
    real_name: str
    phone: str
    title: str
    is_active: bool
    grants: list[GrantOut]

    @staticmethod
    def resolve_phone(obj: User, context: dict[str, Any]) -> str:
        return selectors.display_phone(context["request"].actor, obj.phone)

    @staticmethod
    def resolve_grants(obj: User) -> list[GrantOut]:
        return [_grant_out(g) for g in obj.visible_grants]  # type: ignore[attr-defined]


class MeOut(Schema):
    user: UserOut
    active_grant: int | None
    perms: list[str]


class UserIn(Schema):
    username: str
    real_name: str
    password: str
    role: str
    region: str
    phone: str = ""
    title: str = ""


class UserUpdateIn(Schema):
    version: int
    real_name: str
    phone: str = ""
    title: str = ""
    email: str = ""


class GrantIn(Schema):
    role: str
    region: str


class RoleOut(Schema):
    code: str
    name: str
    description: str
    rank: int
    levels: list[int]
    permissions: list[str]
    read_only: bool
    is_system_admin: bool
    grantable: bool | None = None


class TokenIn(Schema):
    name: str
    # Parsed by the service, which answers a bad offset or date in Chinese (a 422, never a 500).
    expires_at: str | None = Field(
        None,
        description="失效时间（ISO 8601，如 2027-01-01T00:00:00+08:00）；不填则按默认有效期",
        json_schema_extra={"format": "date-time"},
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


class TokenCreatedOut(TokenOut):
    token: str


def _grant_out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.pk,
        role=grant.role_id,
        role_name=grant.role.name,
        region_code=grant.region_id,
        region_name=grant.region.name,
        region_level=grant.region.level,
    )


def _user_out(actor: Actor, user: User, grants: list[Grant]) -> UserOut:
    return UserOut(
        id=user.pk,
        username=user.username,
        real_name=user.real_name,
        phone=selectors.display_phone(actor, user.phone),
        title=user.title,
        email=user.email,
        is_active=user.is_active,
        must_change_password=user.must_change_password,
        version=user.version,
        grants=[_grant_out(g) for g in grants],
    )


def _user_detail(actor: Actor, pk: int) -> UserOut:
    user = selectors.access_user(actor, pk)
    return _user_out(actor, user, user.visible_grants)  # type: ignore[attr-defined]


def _token_out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked": token.revoked,
    }


@router.get("/me", response=MeOut, summary="当前用户、授权与权限")
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    if actor.user_id is None:
        raise NotFound()
    user = User.objects.get(pk=actor.user_id)
    grants = list(user.grants.select_related("role", "region"))
    perms = sorted({p for g in actor.in_use() for p in g.perms})
    return MeOut(
        user=_user_out(actor, user, grants),
        active_grant=actor.active.id if actor.active else None,
        perms=perms,
    )


@router.get("/users", response=list[UserListOut], summary="用户列表（按辖区过滤）")
@paginate(Pagination)
def users(request: HttpRequest, q: str = "", region: str = "") -> QuerySet[User]:
    """按手机号查询请用 POST /users/search（查询内容不进网址和日志）。"""
    if is_personal_number(q):
        raise ValidationFailed(SEARCH_BY_POST, errors={"q": [SEARCH_BY_POST]})
    return selectors.user_list(actor_of(request), query=q, region_code=region)


@router.post("/users/search", response=list[UserListOut], summary="查询用户（条件在请求体中）")
@paginate(Pagination)
def users_search(
    request: HttpRequest,
    # Plain body fields, not a schema: @paginate's wrapper could not resolve a schema's name.
    q: str = Body("", max_length=50, description="姓名、用户名或手机号"),
    region: str = Body("", max_length=12, description="区划代码"),
) -> QuerySet[User]:
    return selectors.user_list(actor_of(request), query=q, region_code=region)


@router.post("/users", response={201: UserOut}, summary="新建用户（含首项授权）")
def user_create(request: HttpRequest, payload: UserIn) -> Status[UserOut]:
    actor = actor_of(request)
    user = services.user_create(
        actor=actor,
        username=payload.username,
        real_name=payload.real_name,
        password=payload.password,
        role_code=payload.role,
        region_code=payload.region,
        phone=payload.phone,
        title=payload.title,
    )
    return Status(201, _user_detail(actor, user.pk))


@router.get("/users/{user_id}", response=UserOut, summary="用户详情")
def user_detail(request: HttpRequest, user_id: int) -> UserOut:
    return _user_detail(actor_of(request), user_id)


@router.put("/users/{user_id}", response=UserOut, summary="修改用户（版本冲突返回 409）")
def user_update(request: HttpRequest, user_id: int, payload: UserUpdateIn) -> UserOut:
    actor = actor_of(request)
    services.user_update(
        actor=actor,
        user_id=user_id,
        version=payload.version,
        real_name=payload.real_name,
        phone=payload.phone,
        title=payload.title,
        email=payload.email,
    )
    return _user_detail(actor, user_id)


@router.post("/users/{user_id}/grants", response={201: GrantOut}, summary="添加授权")
def grant_add(request: HttpRequest, user_id: int, payload: GrantIn) -> Status[GrantOut]:
    grant = services.grant_add(
        actor=actor_of(request), user_id=user_id, role_code=payload.role, region_code=payload.region
    )
    return Status(201, _grant_out(grant))


@router.delete("/users/{user_id}/grants/{grant_id}", response={204: None}, summary="收回授权")
def grant_remove(request: HttpRequest, user_id: int, grant_id: int) -> Status[None]:
    services.grant_remove(actor=actor_of(request), user_id=user_id, grant_id=grant_id)
    return Status(204, None)


@router.get("/roles", response=list[RoleOut], summary="角色列表")
def roles(request: HttpRequest, region: str = "") -> list[RoleOut]:
    """With `region`, each role says whether the caller may grant it there."""
    actor = actor_of(request)
    region_obj = None
    if region:
        actor.require(Perm.USER_VIEW, region)
        from fupin.regions.models import Region

        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None:
            raise NotFound()
    out = []
    for role in selectors.role_list():
        item = RoleOut.model_validate(role, from_attributes=True)
        if region_obj is not None:
            item.grantable = services.is_grantable(actor, role=role, region=region_obj)
        out.append(item)
    return out


@router.get("/tokens", response=list[TokenOut], summary="本人的接口令牌")
def tokens(request: HttpRequest) -> list[dict[str, object]]:
    return [_token_out(t) for t in selectors.token_list(actor_of(request))]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="创建接口令牌（仅此一次返回明文）")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, raw = services.token_create(
        actor=actor_of(request),
        name=payload.name,
        expires_at=services.token_expiry_parse(payload.expires_at),
    )
    return Status(201, {**_token_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="吊销接口令牌")
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.token_revoke(actor=actor_of(request), token_id=token_id)
    return Status(204, None)
