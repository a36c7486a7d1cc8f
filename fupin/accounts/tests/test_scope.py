"""Actor: prefix collapsing, system admin, require() semantics."""

from __future__ import annotations

import pytest

from fupin.accounts.models import Grant
from fupin.accounts.selectors import load_actor
from fupin.core.access import ALL_REGIONS, Actor, GrantInUse, Perm
from fupin.core.errors import NotFound, PermissionDenied
from fupin.regions.models import Region
from fupin.testing import make_user


def grant(gid: int, code: str, perms: set[str], *, sysadmin: bool = False) -> GrantInUse:
    return GrantInUse(
        id=gid,
        role_code="r",
        role_name="角色",
        role_rank=10,
        region_code=code,
        region_name=code,
        region_level=len(code),
        perms=frozenset(perms),
        read_only=False,
        is_system_admin=sysadmin,
    )


def test_region_codes_collapse_to_minimal_prefixes() -> None:
    actor = Actor(
        user_id=1,
        username="u",
        grants=(
            grant(1, "510981", {Perm.HOUSEHOLD_VIEW}),
            grant(2, "510981001", {Perm.HOUSEHOLD_VIEW}),
            grant(3, "510903001", {Perm.HOUSEHOLD_VIEW}),
            grant(4, "510903", {Perm.USER_VIEW}),
        ),
    )
    assert actor.region_codes(Perm.HOUSEHOLD_VIEW) == ["510903001", "510981"]
    assert actor.region_codes() == ["510903", "510981"]
    assert actor.region_codes(Perm.USER_VIEW) == ["510903"]
    assert actor.region_codes(Perm.SUPERVISE) == []


def test_scope_q_filters_by_prefix(db: None) -> None:
    actor = Actor(user_id=1, username="u", grants=(grant(1, "510981001", {Perm.REGION_VIEW}),))
    codes = set(
        Region.objects.filter(actor.scope_q(Perm.REGION_VIEW, field="code")).values_list(
            "code", flat=True
        )
    )
    assert "510981001" in codes
    assert codes and all(code.startswith("510981001") for code in codes)
    assert not Region.objects.filter(actor.scope_q(Perm.SUPERVISE, field="code")).exists()


def test_system_admin_sees_everything(db: None) -> None:
    actor = Actor(user_id=1, username="u", grants=(grant(1, "51", set(), sysadmin=True),))
    assert actor.region_codes(Perm.SUPERVISE) == [ALL_REGIONS]
    assert Region.objects.filter(actor.scope_q(Perm.SUPERVISE, field="code")).count() == (
        Region.objects.count()
    )
    actor.require(Perm.SUPERVISE, "110101")  # anywhere, any permission


def test_require_404_outside_403_inside_without_permission() -> None:
    actor = Actor(user_id=1, username="u", grants=(grant(1, "510981", {Perm.USER_VIEW}),))
    actor.require(Perm.USER_VIEW, "510981001001")
    with pytest.raises(NotFound):
        actor.require(Perm.USER_VIEW, "510903")
    with pytest.raises(PermissionDenied):
        actor.require(Perm.USER_MANAGE, "510981001")


def test_active_grant_narrows_jurisdiction(db: None, county, township) -> None:
    user = make_user("two", ("poverty_office", county.code), ("township", township.code))
    township_grant = Grant.objects.get(user=user, region=township)
    actor = load_actor(user, township_grant.pk)
    assert actor.region_codes() == [township.code]
    assert load_actor(user).region_codes() == [county.code]
    assert load_actor(user, 999999).active is None  # a foreign grant id is ignored
