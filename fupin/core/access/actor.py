"""The actor: who is acting, with which grants, over which jurisdiction.

Every selector takes an Actor and filters by region-code prefix at the data layer
(`actor.scope_q(perm, field)`); every single-object access goes through `actor.require`,
which raises NotFound when the object is outside every grant in use (so out-of-region and
missing look the same) and PermissionDenied when it is visible but the permission is lacking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from fupin.core.errors import NotFound, PermissionDenied

from .perms import Perm

ALL_REGIONS = ""  # the empty prefix contains every code


@dataclass(frozen=True)
class GrantInUse:
    id: int
    role_code: str
    role_name: str
    role_rank: int
    region_code: str
    region_name: str
    region_level: int
    perms: frozenset[str]
    read_only: bool
    is_system_admin: bool

    @property
    def label(self) -> str:
        return f"{self.region_name} · {self.role_name}"

    def covers(self, code: str) -> bool:
        return code.startswith(self.region_code)


@dataclass
class Actor:
    user_id: int | None
    username: str
    grants: tuple[GrantInUse, ...]
    active_id: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def active(self) -> GrantInUse | None:
        for grant in self.grants:
            if grant.id == self.active_id:
                return grant
        return None

    def in_use(self) -> tuple[GrantInUse, ...]:
        """The grants that define the current jurisdiction: the chosen one, or all of them."""
        active = self.active
        return (active,) if active else self.grants

    @property
    def is_system_admin(self) -> bool:
        return any(g.is_system_admin for g in self.in_use())

    @property
    def is_read_only(self) -> bool:
        grants = self.in_use()
        return bool(grants) and all(g.read_only for g in grants)

    def has_perm(self, perm: Perm | str) -> bool:
        return any(perm in g.perms for g in self.in_use())

    def region_codes(self, perm: Perm | str | None = None) -> list[str]:
        """Minimal list of region prefixes where the actor holds `perm` (any perm if None)."""
        codes = sorted(
            {
                ALL_REGIONS if g.is_system_admin else g.region_code
                for g in self.in_use()
                if perm is None or perm in g.perms or g.is_system_admin
            }
        )
        minimal: list[str] = []
        for code in codes:  # sorted: an ancestor precedes its descendants
            if not any(code.startswith(kept) for kept in minimal):
                minimal.append(code)
        return minimal

    def scope_q(self, perm: Perm | str | None = None, field: str = "region_code") -> Q:
        """A filter keeping rows whose `field` (a region code) lies in the jurisdiction."""
        codes = self.region_codes(perm)
        if ALL_REGIONS in codes:
            return Q()
        if not codes:
            return Q(pk__in=[])
        query = Q()
        for code in codes:
            query |= Q(**{f"{field}__startswith": code})
        return query

    def sees(self, region_code: str) -> bool:
        return any(region_code.startswith(code) for code in self.region_codes())

    def can(self, perm: Perm | str, region_code: str) -> bool:
        return any(region_code.startswith(code) for code in self.region_codes(perm))

    def require(self, perm: Perm | str, region_code: str) -> None:
        """404 outside the jurisdiction, 403 inside it without the permission."""
        if not self.sees(region_code):
            raise NotFound()
        if not self.can(perm, region_code):
            raise PermissionDenied()

    def can_write(self, perm: Perm | str, region_code: str) -> bool:
        return self.can(perm, region_code) and not self.is_read_only

    def require_write(self, perm: Perm | str, region_code: str, message: str | None = None) -> None:
        """Like `require`, and 403 for read-only roles (纪委, 审计, 只读查看) whatever they hold."""
        self.require(perm, region_code)
        if self.is_read_only:
            raise PermissionDenied(message)


def system_actor() -> Actor:
    """The platform acting by itself (scheduled jobs, sweeps, public forms): no user, no grants."""
    return Actor(user_id=None, username="", grants=())


def actor_of(request: Any) -> Actor:
    """The actor of a request (set by the login middleware or the token authentication)."""
    actor: Actor = request.actor
    return actor


def can_edit_system_wide(actor: Actor) -> bool:
    """Whether the actor may edit what serves the whole deployment (code lists, the working-day
    calendar): the system administrator role, wherever its grant sits, not read-only."""
    return actor.is_system_admin and actor.has_perm(Perm.PARAM_EDIT) and not actor.is_read_only


def require_system_wide_edit(actor: Actor, message: str) -> None:
    """403 without the edit permission; 403 with `message` for an editor who is not the
    system administrator."""
    if not actor.has_perm(Perm.PARAM_EDIT) or actor.is_read_only:
        raise PermissionDenied()
    if not can_edit_system_wide(actor):
        raise PermissionDenied(message)
