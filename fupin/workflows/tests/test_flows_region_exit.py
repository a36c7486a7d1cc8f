"""贫困村退出 and 贫困县摘帽 end to end, with their criteria read from the registry, the village
profiles, the verification samples and the survey records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.regions.models import VillageProfile
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import make_household
from fupin.workflows.models import Case, Notice, NoticeLevel, SampleItem

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)
FACILITIES = dict(hardened_road=True, power_supply=True, broadband=True, clinic=True,
                  cultural_room=True)  # fmt: skip


def act(actor: Any, case: Case, step: str, day: dt.date = DAY, comment: str = "同意") -> Case:
    return engine.case_transition(
        actor=actor, case_id=case.pk, step=step, comment=comment, today=day
    )


def profile(village: Any, rural: int, **fields: Any) -> VillageProfile:
    values = {"county_code": village.code[:6], "is_poor_village": True, "identified_year": 2014,
              "rural_population": rural, **FACILITIES, **fields}  # fmt: skip
    return VillageProfile.objects.update_or_create(region=village, defaults=values)[0]


# --- village ---------------------------------------------------------------------------------------


def test_village_exit_end_to_end(officials: Any, village: Any) -> None:
    o = officials
    make_household(o.village, village)  # 3 poor persons
    profile(village, rural=80, broadband=False)  # 3.75%, no broadband
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        services.village_exit_propose(actor=o.village, village_code=village.code, reason="申报")
    case = services.village_exit_propose(
        actor=o.township, village_code=village.code, reason="发生率已降至标准以下"
    )
    assert case.subject_level == "village" and case.case_no.startswith("CT-")
    with pytest.raises(ValidationFailed) as exc:
        act(o.township, case, "township_verify", comment="核实")
    assert "未达到贫困村退出标准" in exc.value.message
    assert "贫困人口 3 人 / 农业人口 80 人 = 3.75%" in exc.value.message
    assert "通宽带（未达标）" in exc.value.message
    profile(village, rural=200)  # 1.50%, every facility
    with pytest.raises(PermissionDenied, match="须由乡镇"):
        act(o.county, case, "township_verify", comment="核实")
    case = act(o.township, case, "township_verify", comment="核实达标")
    assert "1.50%" in case.data["incidence"]
    case = act(o.township, case, "publish")
    notice = Notice.objects.get()
    assert notice.level == NoticeLevel.TOWNSHIP and notice.region_code == village.code[:9]
    assert "1.50%" in notice.entries.get().published["incidence"]
    with pytest.raises(ValidationFailed, match="乡镇公示期未满"):
        act(o.county, case, "county_approve", dt.date(2026, 3, 8))
    with pytest.raises(PermissionDenied, match="须由县级扶贫办"):
        act(o.township, case, "county_approve", dt.date(2026, 3, 9))
    case = act(o.county, case, "county_approve", dt.date(2026, 3, 9))
    assert case.state == "exited" and not case.is_open
    assert VillageProfile.objects.get(region=village).exit_year == case.year
    # An exited village cannot be verified again.
    again = services.village_exit_propose(
        actor=o.township, village_code=village.code, reason="再次申报"
    )
    with pytest.raises(ValidationFailed, match=f"该村已于 {case.year} 年退出"):
        act(o.township, again, "township_verify", comment="核实")


def test_village_exit_only_for_poor_villages(officials: Any, village: Any) -> None:
    o = officials
    profile(village, rural=200, is_poor_village=False)
    case = services.village_exit_propose(actor=o.township, village_code=village.code, reason="申报")
    with pytest.raises(ValidationFailed, match="该村不是建档立卡贫困村"):
        act(o.township, case, "township_verify", comment="核实")
    with pytest.raises(ValidationFailed, match="已有办理中的“贫困村退出”"):
        services.village_exit_propose(actor=o.township, village_code=village.code, reason="申报")
    case = act(o.township, case, "withdraw", comment="非贫困村，终止")
    assert case.state == "withdrawn"


def test_county_returns_a_village_exit(officials: Any, village: Any) -> None:
    o = officials
    profile(village, rural=200)
    case = services.village_exit_propose(actor=o.township, village_code=village.code, reason="申报")
    act(o.township, case, "township_verify", comment="核实")
    act(o.township, case, "publish")
    case = act(o.county, case, "county_return", comment="基础设施台账不全")
    assert case.state == "applied"


# --- county ----------------------------------------------------------------------------------------


def sample_and_survey(o: Any, county_code: str, village: Any, *, wrong: int = 0) -> None:
    for purpose in ("exited", "non_poor"):
        sample = services.sample_draw(
            actor=o.county, region_code=county_code, purpose=purpose, size=10, seed=7
        )
        for n, item in enumerate(sample.items.order_by("position")):
            finding = "wrong_exit" if purpose == "exited" and n < wrong else "correct"
            services.sample_finding_record(
                actor=o.county, item_id=item.pk, finding=finding, version=item.version
            )
    services.survey_record(actor=o.county, village_code=village.code, surveyed_on=DAY,
                           surveyed=100, satisfied=96, surveyor="第三方评估机构")  # fmt: skip


def test_county_exit_end_to_end(officials: Any, village: Any, county: Any) -> None:
    o = officials
    for _ in range(10):
        make_household(o.village, village, status="exited")
        make_household(o.village, village, status="ordinary")
    make_household(o.village, village)  # 3 poor persons
    profile(village, rural=1000)
    with pytest.raises(PermissionDenied, match="须由县级扶贫办发起"):
        services.county_exit_apply(actor=o.city, county_code=county.code, reason="申请")
    with pytest.raises(NotFound):  # a township sees no county-level subject
        services.county_exit_apply(actor=o.township, county_code=county.code, reason="申请")
    case = services.county_exit_apply(
        actor=o.county, county_code=county.code, reason="各项指标达到摘帽标准"
    )
    assert case.subject_level == "county" and case.region_code == county.code
    with pytest.raises(ValidationFailed) as exc:
        act(o.city, case, "city_review", comment="初审")
    assert "未达到贫困县摘帽标准" in exc.value.message and "尚无抽查结果" in exc.value.message

    sample_and_survey(o, county.code, village, wrong=1)  # 10% wrong exits
    with pytest.raises(ValidationFailed, match="错退率低于 2%"):
        act(o.city, case, "city_review", comment="初审")
    SampleItem.objects.filter(finding="wrong_exit").update(finding="correct")
    for actor in (o.county, o.province):
        with pytest.raises(PermissionDenied, match="“市级初审通过”须由市级扶贫办"):
            act(actor, case, "city_review", comment="初审")
    case = act(o.city, case, "city_review", comment="初审通过")
    assert case.data["rates"]["satisfaction"].endswith("认可度 96.00%")
    with pytest.raises(PermissionDenied, match="须由省级扶贫办"):
        act(o.city, case, "publish")
    case = act(o.province, case, "publish")
    notice = Notice.objects.get()
    assert notice.level == NoticeLevel.PROVINCE and notice.region_code == county.code[:2]
    with pytest.raises(ValidationFailed, match="省级公告期未满"):
        act(o.province, case, "province_approve", dt.date(2026, 3, 8))
    case = act(o.province, case, "province_approve", dt.date(2026, 3, 9))
    assert case.state == "exited" and not case.is_open


def test_city_return_and_province_return(officials: Any, county: Any) -> None:
    o = officials
    case = services.county_exit_apply(actor=o.county, county_code=county.code, reason="申请")
    Case.objects.filter(pk=case.pk).update(state="city_reviewed")
    with pytest.raises(PermissionDenied, match="须由省级"):
        act(o.city, case, "province_return", comment="退回")
    case = act(o.province, case, "province_return", comment="抽查样本不足")
    assert case.state == "applied"
    case = act(o.city, case, "city_return", comment="暂不具备条件")
    assert case.state == "withdrawn"


def test_samples_are_reproducible_and_scoped(officials: Any, village: Any, county: Any) -> None:
    o = officials
    for _ in range(6):
        make_household(o.village, village, status="exited")
    first = services.sample_draw(actor=o.county, region_code=county.code, purpose="exited",
                                 size=3, seed=42)  # fmt: skip
    second = services.sample_draw(actor=o.county, region_code=county.code, purpose="exited",
                                  size=3, seed=42)  # fmt: skip
    ids = [list(s.items.order_by("position").values_list("household_id", flat=True))
           for s in (first, second)]  # fmt: skip
    assert ids[0] == ids[1] and first.population == 6
    with pytest.raises(ValidationFailed, match="没有符合条件的农户"):
        services.sample_draw(actor=o.county, region_code=county.code, purpose="non_poor", size=3)
    with pytest.raises(PermissionDenied):
        services.sample_draw(actor=o.discipline, region_code=county.code, purpose="exited", size=3)
    with pytest.raises(NotFound):
        services.sample_draw(actor=o.county, region_code="510903", purpose="exited", size=3)
    with pytest.raises(ValidationFailed, match="认可人数"):
        services.survey_record(actor=o.county, village_code=village.code, surveyed_on=DAY,
                               surveyed=10, satisfied=11)  # fmt: skip
    item = first.items.first()
    assert item is not None
    with pytest.raises(ValidationFailed, match="请选择核查结论"):
        services.sample_finding_record(
            actor=o.county, item_id=item.pk, finding="", version=item.version
        )
