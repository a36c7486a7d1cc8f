"""Services: validation messages, optimistic locking, the one-zone-per-township rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.regions import services
from fupin.regions.models import Organisation, Region, VillageProfile
from fupin.testing import Personas

from .conftest import VALID_CREDIT_CODE

pytestmark = pytest.mark.django_db


def _profile(actor: Actor, village: Region, **kw: Any) -> VillageProfile:
    data: dict[str, Any] = {"version": 1, "is_poor_village": True, "identified_year": 2014}
    data.update(kw)
    return services.village_profile_update(actor=actor, code=village.code, **data)


def _errors(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    return exc.value.errors


class TestVillageProfile:
    def test_create_and_update_bumps_version(
        self, township_personas: Personas, village: Region
    ) -> None:
        actor = load_actor(township_personas.in_region)
        profile = _profile(actor, village, exit_year=2018, population=900, rural_population=800)
        assert profile.version == 2
        assert profile.county_code == village.code[:6]
        assert profile.exit_year == 2018
        profile = _profile(actor, village, version=2, hardened_road=True)
        assert profile.version == 3 and profile.hardened_road

    def test_stale_version_conflicts(self, township_personas: Personas, village: Region) -> None:
        actor = load_actor(township_personas.in_region)
        _profile(actor, village)
        with pytest.raises(Conflict, match=f"该记录已被 {township_personas.in_region} 于 "):
            _profile(actor, village, exit_year=2019)  # still version 1
        assert VillageProfile.objects.get(pk=village.code).exit_year is None

    @pytest.mark.parametrize(
        ("kw", "field", "message"),
        [
            ({"exit_year": 2013, "identified_year": 2015}, "exit_year", "退出年度不能早于识别年度"),
            (
                {"is_poor_village": False, "identified_year": None, "exit_year": 2019},
                "exit_year",
                "只有建档立卡贫困村才能填写退出年度",
            ),
            (
                {"population": 100, "rural_population": 101},
                "rural_population",
                "农业人口不能大于总人口",
            ),
            ({"identified_year": 2012}, "identified_year", "识别年度应在 2013 至"),
            ({"exit_year": timezone.localdate().year + 1}, "exit_year", "退出年度应在 2013 至"),
        ],
    )
    def test_validation_messages(
        self,
        township_personas: Personas,
        village: Region,
        kw: dict[str, Any],
        field: str,
        message: str,
    ) -> None:
        actor = load_actor(township_personas.in_region)
        with pytest.raises(ValidationFailed) as exc:
            _profile(actor, village, **kw)
        assert any(message in m for m in _errors(exc)[field])
        assert not VillageProfile.objects.filter(pk=village.code).exists()

    def test_jurisdiction(self, township_personas: Personas, village: Region) -> None:
        with pytest.raises(NotFound):
            _profile(load_actor(township_personas.out_of_region), village)
        with pytest.raises(PermissionDenied):
            _profile(load_actor(township_personas.read_only), village)

    def test_only_villages_have_profiles(
        self, township_personas: Personas, township: Region
    ) -> None:
        with pytest.raises(NotFound):
            _profile(load_actor(township_personas.in_region), township)


class TestBattleZones:
    def test_township_in_only_one_zone(
        self, battle_zone: Any, county: Region, township: Region, county_office: Actor
    ) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.battle_zone_create(
                actor=county_office,
                county_code=county.code,
                name="第二战区",
                leader_name="赵六",
                township_codes=[township.code],
            )
        assert _errors(exc)["townships"] == [
            f"{township.name}已属于攻坚战区“第一战区”，一个乡镇只能属于一个战区"
        ]

    def test_townships_must_belong_to_county(
        self, county: Region, sibling_county: Region, county_office: Actor
    ) -> None:
        foreign = Region.objects.filter(parent=sibling_county).first()
        assert foreign is not None
        with pytest.raises(ValidationFailed) as exc:
            services.battle_zone_create(
                actor=county_office,
                county_code=county.code,
                name="第二战区",
                leader_name="赵六",
                township_codes=[foreign.code],
            )
        assert "不是射洪市的乡镇" in _errors(exc)["townships"][0]

    def test_update_keeps_own_townships_and_locks(
        self, battle_zone: Any, township: Region, sibling_township: Region, county_office: Actor
    ) -> None:
        zone = services.battle_zone_update(
            actor=county_office,
            pk=battle_zone.pk,
            version=1,
            name="第一战区",
            leader_name="李四",
            township_codes=[township.code, sibling_township.code],
        )
        assert zone.version == 2
        assert {t.code for t in zone.townships.all()} == {township.code, sibling_township.code}
        with pytest.raises(Conflict):
            services.battle_zone_update(
                actor=county_office, pk=zone.pk, version=1, name="旧", leader_name="李四"
            )

    def test_only_counties(self, county_office: Actor, township: Region) -> None:
        with pytest.raises(ValidationFailed, match="县级"):
            services.battle_zone_create(
                actor=county_office, county_code=township.code, name="x", leader_name="y"
            )


class TestCommandUnits:
    def test_parent_must_be_same_or_ancestor_region(
        self, command_unit: Any, township: Region, sibling_county: Region, county_office: Actor
    ) -> None:
        post = services.command_unit_create(
            actor=county_office,
            region_code=township.code,
            name="乡镇指挥所",
            kind="township_post",
            parent_id=command_unit.pk,
        )
        assert post.parent_id == command_unit.pk
        with pytest.raises(ValidationFailed) as exc:
            services.command_unit_update(
                actor=county_office,
                pk=command_unit.pk,
                version=1,
                name=command_unit.name,
                kind="headquarters",
                parent_id=post.pk,
            )
        assert _errors(exc)["parent"] == ["上级单位必须属于本区划或其上级区划"]

    def test_member_add_remove(self, command_unit: Any, county_office: Actor) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.command_unit_member_add(
                actor=county_office, unit_id=command_unit.pk, name="", position="", phone="abc"
            )
        assert set(_errors(exc)) == {"name", "position", "phone"}
        m = services.command_unit_member_add(
            actor=county_office, unit_id=command_unit.pk, name="王五", position="组长"
        )
        services.command_unit_member_remove(
            actor=county_office, unit_id=command_unit.pk, member_id=m.pk
        )
        assert not command_unit.members.exists()


class TestOrganisations:
    @pytest.mark.parametrize(
        ("code", "ok"),
        [
            (VALID_CREDIT_CODE, True),
            ("91110000802100433B", True),
            ("91350100M000100Y43", True),
            ("914403001922038217", False),  # wrong check digit
            ("91440300192203821", False),  # 17 characters
            ("9144030019220382I6", False),  # I is not in the GB 32100 alphabet
        ],
    )
    def test_credit_code_check(self, code: str, ok: bool) -> None:
        assert services.credit_code_is_valid(code) is ok

    def test_credit_code_messages(self, county: Region, county_office: Actor) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.organisation_create(
                actor=county_office,
                region_code=county.code,
                name="甲公司",
                kind="enterprise",
                credit_code="914403001922038217",
            )
        assert _errors(exc)["credit_code"] == ["统一社会信用代码校验位不正确，请核对"]
        with pytest.raises(ValidationFailed) as exc:
            services.organisation_create(
                actor=county_office,
                region_code=county.code,
                name="甲公司",
                kind="enterprise",
                credit_code="1234",
            )
        assert _errors(exc)["credit_code"] == ["统一社会信用代码应为 18 位"]
        org = services.organisation_create(
            actor=county_office,
            region_code=county.code,
            name="甲公司",
            kind="enterprise",
            credit_code=VALID_CREDIT_CODE.lower(),
        )
        assert org.credit_code == VALID_CREDIT_CODE

    def test_unique_name_in_region(
        self, organisation: Organisation, county: Region, township: Region, county_office: Actor
    ) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.organisation_create(
                actor=county_office, region_code=county.code, name=organisation.name, kind="bank"
            )
        assert _errors(exc)["name"] == ["射洪市已有同名组织“射洪市农业农村局”"]
        # The same name in another region is allowed.
        services.organisation_create(
            actor=county_office, region_code=township.code, name=organisation.name, kind="bank"
        )

    def test_update_conflict_and_masked_phone_kept(
        self, organisation: Organisation, county_office: Actor
    ) -> None:
        org = services.organisation_update(
            actor=county_office,
            pk=organisation.pk,
            version=1,
            name="射洪市农业农村局",
            kind="department",
            contact_phone="138****5678",
        )
        assert org.version == 2 and org.contact_phone == "13812345678"
        with pytest.raises(Conflict):
            services.organisation_update(
                actor=county_office, pk=org.pk, version=1, name="新名", kind="department"
            )

    def test_read_only_and_out_of_region(
        self, county_personas: Personas, county: Region, organisation: Organisation
    ) -> None:
        with pytest.raises(PermissionDenied):
            services.organisation_create(
                actor=load_actor(county_personas.read_only),
                region_code=county.code,
                name="乙",
                kind="bank",
            )
        with pytest.raises(NotFound):
            services.organisation_update(
                actor=load_actor(county_personas.out_of_region),
                pk=organisation.pk,
                version=1,
                name="乙",
                kind="bank",
            )
