"""The delegation rules of user management, at the service layer."""

from __future__ import annotations

import pytest

from fupin.accounts import services
from fupin.accounts.models import Role, User
from fupin.accounts.selectors import load_actor
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.testing import make_user

PASSWORD = "Fupin2024abc"


def create(actor_user, **overrides):
    kwargs = {
        "username": "newbie",
        "real_name": "李四",
        "password": PASSWORD,
        "role_code": "township",
        "region_code": "",
        "phone": "",
    }
    kwargs.update(overrides)
    return services.user_create(actor=load_actor(actor_user), **kwargs)


@pytest.mark.django_db
class TestCreate:
    def test_county_admin_creates_user_in_county(self, admin_personas, township):
        user = create(admin_personas.in_region, region_code=township.code, phone="13900002222")
        assert user.must_change_password
        assert user.check_password(PASSWORD)
        grant = user.grants.get()
        assert (grant.role_id, grant.region_id) == ("township", township.code)
        assert grant.granted_by == admin_personas.in_region

    def test_grant_in_sibling_county_is_not_found(self, admin_personas, sibling_county):
        with pytest.raises(NotFound):
            create(
                admin_personas.in_region,
                role_code="poverty_office",
                region_code=sibling_county.code,
            )
        assert not User.objects.filter(username="newbie").exists()

    def test_viewer_is_refused(self, admin_personas, township):
        with pytest.raises(PermissionDenied):
            create(admin_personas.read_only, region_code=township.code)

    def test_poverty_office_cannot_manage_users(self, county_personas, township):
        with pytest.raises(PermissionDenied):
            create(county_personas.in_region, region_code=township.code)

    def test_cannot_grant_role_above_own_rank(self, county, township):
        # Roles are data: give the poverty office (rank 20) user management for this test.
        role = Role.objects.get(code="poverty_office")
        role.permissions = [*role.permissions, "user.manage"]
        role.save()
        office = make_user("office", ("poverty_office", county.code))
        with pytest.raises(
            PermissionDenied, match="不能授予级别高于您本人的角色「辖区系统管理员」"
        ):
            create(office, role_code="region_admin", region_code=county.code)
        assert create(office, region_code=township.code).grants.get().role_id == "township"

    def test_only_system_admin_grants_sysadmin(self, admin_personas, county):
        with pytest.raises(PermissionDenied, match="只有系统管理员"):
            create(admin_personas.in_region, role_code="sysadmin", region_code=county.code)
        root = make_user("root", ("sysadmin", "51"))
        assert create(root, role_code="sysadmin", region_code=county.code).pk

    def test_role_only_at_its_levels(self, admin_personas, county):
        with pytest.raises(ValidationFailed, match="只能授予在村/社区层级"):
            create(admin_personas.in_region, role_code="village", region_code=county.code)

    def test_phone_must_be_11_digits_and_unique(self, admin_personas, township, county_member):
        with pytest.raises(ValidationFailed, match="11位数字"):
            create(admin_personas.in_region, region_code=township.code, phone="1380000")
        with pytest.raises(ValidationFailed, match="已被其他用户使用"):
            create(admin_personas.in_region, region_code=township.code, phone=county_member.phone)

    def test_password_policy_in_chinese(self, admin_personas, township):
        with pytest.raises(ValidationFailed) as info:
            create(admin_personas.in_region, region_code=township.code, password="abc123")
        assert "密码太短，至少需要 10 个字符。" in info.value.errors["password"]
        with pytest.raises(ValidationFailed, match="必须同时包含字母和数字"):
            create(admin_personas.in_region, region_code=township.code, password="abcdefghijkl")

    def test_username_unique(self, admin_personas, township, county_member):
        with pytest.raises(ValidationFailed, match="用户名已存在"):
            create(admin_personas.in_region, region_code=township.code, username="member")


@pytest.mark.django_db
class TestManageExisting:
    def test_user_with_grant_outside_is_forbidden(self, admin_personas, township, sibling_county):
        both = make_user(
            "both", ("township", township.code), ("poverty_office", sibling_county.code)
        )
        with pytest.raises(PermissionDenied, match="管辖范围以外"):
            services.user_set_active(
                actor=load_actor(admin_personas.in_region), user_id=both.pk, active=False
            )

    def test_user_wholly_outside_is_not_found(self, admin_personas, sibling_county):
        other = make_user("other", ("poverty_office", sibling_county.code))
        with pytest.raises(NotFound):
            services.user_set_active(
                actor=load_actor(admin_personas.in_region), user_id=other.pk, active=False
            )

    def test_update_with_stale_version_conflicts(self, admin_personas, county_member):
        actor = load_actor(admin_personas.in_region)
        updated = services.user_update(
            actor=actor, user_id=county_member.pk, version=1, real_name="张大明"
        )
        assert (updated.real_name, updated.version) == ("张大明", 2)
        with pytest.raises(Conflict, match=f"该用户已被 {admin_personas.in_region} 于 "):
            services.user_update(actor=actor, user_id=county_member.pk, version=1, real_name="王五")
        county_member.refresh_from_db()
        assert county_member.real_name == "张大明"

    def test_grant_add_and_remove(self, admin_personas, county_member, village):
        actor = load_actor(admin_personas.in_region)
        grant = services.grant_add(
            actor=actor, user_id=county_member.pk, role_code="village", region_code=village.code
        )
        assert county_member.grants.count() == 2
        services.grant_remove(actor=actor, user_id=county_member.pk, grant_id=grant.pk)
        assert county_member.grants.count() == 1
        with pytest.raises(ValidationFailed, match="至少须保留一项授权"):
            services.grant_remove(
                actor=actor, user_id=county_member.pk, grant_id=county_member.grants.get().pk
            )

    def test_cannot_grant_outside_even_to_inside_user(
        self, admin_personas, county_member, sibling_county
    ):
        with pytest.raises(NotFound):
            services.grant_add(
                actor=load_actor(admin_personas.in_region),
                user_id=county_member.pk,
                role_code="poverty_office",
                region_code=sibling_county.code,
            )

    def test_cannot_manage_a_higher_role(self, county, township):
        role = Role.objects.get(code="poverty_office")
        role.permissions = [*role.permissions, "user.manage"]
        role.save()
        office = make_user("office", ("poverty_office", county.code))
        admin = make_user("admin2", ("region_admin", county.code))
        with pytest.raises(PermissionDenied, match="级别高于您"):
            services.user_reset_password(
                actor=load_actor(office), user_id=admin.pk, password=PASSWORD
            )

    def test_cannot_deactivate_self(self, admin_personas):
        me = admin_personas.in_region
        with pytest.raises(PermissionDenied, match="不能停用自己"):
            services.user_set_active(actor=load_actor(me), user_id=me.pk, active=False)

    def test_reset_password_requires_change(self, admin_personas, county_member):
        services.user_reset_password(
            actor=load_actor(admin_personas.in_region), user_id=county_member.pk, password=PASSWORD
        )
        county_member.refresh_from_db()
        assert county_member.check_password(PASSWORD) and county_member.must_change_password
