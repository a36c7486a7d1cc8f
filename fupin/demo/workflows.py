"""Demo cases of 射洪市: identification, exit, monitoring and village-exit cases at realistic
stages, a third-party sample with findings and survey records — made by the demo logins
through the real services and the workflow engine, backdated with `today=` so that some
notices have ended and their next step can be taken now.

Idempotent: a county that has any case is left alone (one query)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.selectors import load_actor
from fupin.core import idnumber
from fupin.core.access import Actor
from fupin.core.context import audit_context
from fupin.core.errors import ValidationFailed
from fupin.regions.models import Level, Region, VillageProfile
from fupin.registry import identity
from fupin.registry import services as registry_services
from fupin.registry.models import Household, Income, Member
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.flows import household_exit
from fupin.workflows.models import Case

SEED = 20160101
GIVEN = "建国明军志强文杰伟刚勇涛德福兵海元成忠良永富贵林山松云龙"
FEMALE = "秀英丽芳敏静艳娟桂兰春梅红霞玉燕琼珍凤琴翠莲"
SURNAMES = "王李张刘陈杨黄赵吴周蒲蒋彭曾任袁谢唐邓冯"


class _Demo:
    """The demo logins and the places they act on, plus builders of demo families."""

    def __init__(self, county_code: str, today: dt.date) -> None:
        users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
        self.village_user = load_actor(users["demo_village"])
        self.secretary = load_actor(users["demo_secretary"])
        self.township = load_actor(users["demo_township"])
        self.office = load_actor(users["demo_office"])
        village_code = next(
            g.region_code for g in self.village_user.grants if g.role_code == "village"
        )
        self.village = Region.objects.get(code=village_code)
        self.county_code = county_code
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 — reproducible demo data
        self.serial = 0

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def name(self, male: bool = True) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.sample(GIVEN if male else FEMALE, k=self.rng.choice((1, 2)))
        )

    def id_number(self, birth: dt.date, male: bool) -> str:
        for _ in range(500):
            self.serial += 1
            sequence = (700 + self.serial) % 1000
            sequence = sequence | 1 if male else sequence & ~1
            number = idnumber.make(self.county_code, birth, sequence)
            if not Member.objects.filter(id_hash=identity.lookup_hash(number)).exists():
                return number
        raise RuntimeError("no free demo ID number")

    def members(self, *, uninsured_child: bool = False) -> list[dict[str, Any]]:
        year = self.today.year
        head_birth = dt.date(year - self.rng.randint(38, 58), self.rng.randint(1, 12), 8)
        spouse_birth = dt.date(head_birth.year + 2, self.rng.randint(1, 12), 16)
        child_birth = dt.date(year - self.rng.randint(8, 13), self.rng.randint(1, 12), 3)
        surname = self.rng.choice(SURNAMES)
        return [
            {"name": surname + self.name()[1:], "relation": "head", "insured_medical": True,
             "id_number": self.id_number(head_birth, True)},
            {"name": self.name(False), "relation": "spouse", "insured_medical": True,
             "id_number": self.id_number(spouse_birth, False)},
            {"name": surname + self.name()[1:], "relation": "son", "schooling": "primary",
             "insured_medical": not uninsured_child,
             "id_number": self.id_number(child_birth, True)},
        ]  # fmt: skip

    def household_data(self, **extra: Any) -> dict[str, Any]:
        return {
            "household_no": services.next_household_no(self.village.code),
            "head_name": "",
            "attribute": "general",
            "identified_year": 2014,
            "main_cause": self.rng.choice(("illness", "disability", "no_skills", "no_capital")),
            "declared_size": 0,
            "housing_grade": "B",
            "water_safe": True,
            **extra,
        }

    def household(
        self, *, status: str = "poor", income: int = 24000, uninsured_child: bool = False
    ) -> Household:
        """A registered family of three with this year's and last year's incomes."""
        household = registry_services.household_create(
            actor=self.village_user,
            village_code=self.village.code,
            data=self.household_data(),
            members=self.members(uninsured_child=uninsured_child),
        ).household
        if status != "poor":
            Household.objects.filter(pk=household.pk).update(
                status=status, exit_year=2018 if status == "exited" else None
            )
            household.refresh_from_db()
        for year, amount in ((self.today.year - 1, income + 1500), (self.today.year, income)):
            Income.objects.create(
                household=household, county_code=household.county_code, year=year, size=3,
                wage=Decimal(amount) * Decimal("0.7"), business=Decimal(amount) * Decimal("0.3"),
            )  # fmt: skip
        return household

    def act(self, actor: Actor, case: Case, step: str, offset: int, comment: str = "") -> Case:
        return engine.case_transition(
            actor=actor, case_id=case.pk, step=step, comment=comment, today=self.day(offset)
        )


def _pdf(name: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n% demo document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def workflows_loaded(county_code: str) -> bool:
    # Alerts are cases too (the supervision demo opens them): they don't count here.
    return Case.objects.filter(county_code=county_code).exclude(kind="alert").exists()


def load_workflows(county_code: str = "510981", today: dt.date | None = None) -> int:
    """Create the demo cases unless the county has some; returns how many cases were made."""
    if workflows_loaded(county_code):
        return 0
    if User.objects.filter(username__in=_LOGINS).count() < len(_LOGINS):
        return 0
    with audit_context(reason="演示数据", actor_name="load_demo"):
        return _load(county_code, today or timezone.localdate())


_LOGINS = ("demo_village", "demo_secretary", "demo_township", "demo_office")


@transaction.atomic
def _load(county_code: str, today: dt.date) -> int:
    demo = _Demo(county_code, today)
    _identifications(demo)
    _exits(demo)
    _monitoring(demo)
    _village_exit(demo)
    _samples(demo)
    return Case.objects.filter(county_code=county_code).count()


def _apply(demo: _Demo, reason: str) -> Case:
    return services.identification_apply(
        actor=demo.village_user,
        village_code=demo.village.code,
        data=demo.household_data(),
        members=demo.members(),
        reason=reason,
    )


def _identifications(demo: _Demo) -> None:
    o, t, v, s = demo.office, demo.township, demo.village_user, demo.secretary
    # Just applied: waiting for the villagers' group.
    _apply(demo, "丈夫务工受伤，失去劳动能力，家庭收入骤减，申请纳入")
    # Village notice running now (published two days ago).
    case = _apply(demo, "妻子患尿毒症长期透析，医疗支出大，申请纳入")
    demo.act(v, case, "group_review", -4, "村民小组评议同意，参会 23 人")
    demo.act(s, case, "verify", -3, "入户核实：家庭人均纯收入低于标准，医疗票据属实")
    demo.act(v, case, "publish_village", -2)
    # Village notice ended: the township may approve now.
    case = _apply(demo, "户主残疾，子女上学，收入不稳定，申请纳入")
    demo.act(v, case, "group_review", -12, "村民小组评议同意")
    demo.act(s, case, "verify", -11, "入户核实属实")
    demo.act(v, case, "publish_village", -10)
    # Township notice running now.
    case = _apply(demo, "房屋受灾倒塌，因灾致贫，申请纳入")
    demo.act(v, case, "group_review", -22, "村民小组评议同意")
    demo.act(s, case, "verify", -21, "入户核实属实，房屋已鉴定为D级")
    demo.act(v, case, "publish_village", -20)
    demo.act(t, case, "township_approve", -12, "乡镇审核同意")
    demo.act(t, case, "publish_township", -3)
    # County announcement ended: ready for 建档立卡.
    case = _apply(demo, "缺技术缺资金，家庭收入低于标准，申请纳入")
    demo.act(v, case, "group_review", -45, "村民小组评议同意")
    demo.act(s, case, "verify", -44, "入户核实属实")
    demo.act(v, case, "publish_village", -43)
    demo.act(t, case, "township_approve", -35, "乡镇审核同意")
    demo.act(t, case, "publish_township", -35)
    demo.act(o, case, "county_approve", -27, "县审批同意")
    demo.act(o, case, "publish_county", -27)
    # Rejected at the township (the household becomes 一般农户).
    case = _apply(demo, "申请纳入贫困户")
    demo.act(v, case, "group_review", -30, "村民小组评议：多数不同意")
    demo.act(t, case, "reject", -28, "经核实家庭有经营性货车一辆，收入高于标准，不予识别")


def _consented_exit(demo: _Demo, household: Household, offset: int) -> Case:
    v, s = demo.village_user, demo.secretary
    case = services.exit_propose(
        actor=v, household_id=household.pk, reason="家庭收入稳定超过标准，两不愁三保障达标"
    )
    engine.case_transition(
        actor=v, case_id=case.pk, step="deliberate", today=demo.day(offset),
        comment="民主评议通过，参会群众代表 31 人一致同意",
        data={"food_secure": True, "clothing_secure": True},
    )  # fmt: skip
    engine.case_document_attach(
        actor=s, case=case, kind="consent", upload=_pdf("农户签字确认书.pdf")
    )
    return demo.act(s, case, "consent", offset)


def _exits(demo: _Demo) -> None:
    v, t, o = demo.village_user, demo.township, demo.office
    # Waiting for the township's approval, notice ended: enough for a batch.
    for _ in range(6):
        case = _consented_exit(demo, demo.household(income=demo.rng.randint(18000, 30000)), -12)
        demo.act(v, case, "publish_village", -10)
    # Still in the village notice.
    case = _consented_exit(demo, demo.household(income=21000), -3)
    demo.act(v, case, "publish_village", -2)
    # Blocked: a member without medical insurance.
    _consented_exit(demo, demo.household(income=26000, uninsured_child=True), -4)
    # The same, let through by the township with a reason, then published.
    case = _consented_exit(demo, demo.household(income=23000, uninsured_child=True), -15)
    household_exit.exit_criteria_override(
        actor=t, case_id=case.pk, version=case.version,
        reason="该子女随父母在务工地参加城乡居民医保，已核实缴费凭证，本地系统未同步",
    )  # fmt: skip
    demo.act(v, case, "publish_village", -14)
    demo.act(t, case, "township_approve", -6, "乡镇审核同意（已登记放行理由）")
    # County announcement running.
    case = _consented_exit(demo, demo.household(income=28000), -30)
    demo.act(v, case, "publish_village", -28)
    demo.act(t, case, "township_approve", -20, "乡镇审核同意")
    demo.act(o, case, "county_approve", -5, "县审定同意")
    demo.act(o, case, "publish_county", -3)


def _monitoring(demo: _Demo) -> None:
    v, s, t, o = demo.village_user, demo.secretary, demo.township, demo.office
    # A cadre's report: medical expenses above the warning line.
    household = demo.household(status="exited", income=16500)
    services.monitoring_report(
        actor=v, household_id=household.pk,
        declaration=services.Declaration(
            reason="户主突发脑梗住院，自付医疗费用较高", risk_types=["medical"],
            medical_expense=Decimal("18600"),
        ),
    )  # fmt: skip
    # The household's own declaration on the public form, linked by the ID number.
    household = demo.household(status="exited", income=19000)
    head = household.members.get(relation="head")
    services.declaration_submit(
        village_code=demo.village.code, name=head.name,
        id_number=identity.reveal(head.id_cipher), phone="13912345678",
        declaration=services.Declaration(
            reason="暴雨致房屋受损，养殖的生猪死亡，收入骤减", risk_types=["disaster"]
        ),
    )  # fmt: skip
    # Confirmed and being helped.
    household = demo.household(status="exited", income=17000)
    case = services.monitoring_report(
        actor=s, household_id=household.pk,
        declaration=services.Declaration(reason="务工受阻，家庭收入下降", risk_types=["unemployment"]),
    )  # fmt: skip
    engine.case_transition(
        actor=v, case_id=case.pk, step="verify", comment="入户核实：外出务工返乡，暂无收入",
        data={"category": "edge"}, today=demo.day(-40),
    )  # fmt: skip
    demo.act(v, case, "deliberate", -39, "村级评议同意纳入")
    demo.act(t, case, "township_review", -37, "乡镇审核同意")
    demo.act(t, case, "publish", -37)
    demo.act(o, case, "confirm", -29, "县级确认纳入边缘易致贫户")
    demo.act(s, case, "assist", -25, "落实公益性岗位一个，技能培训一次")
    # Risk gone seven months ago: the county may clear it now.
    household = demo.household(status="exited", income=22000)
    case = services.monitoring_report(
        actor=v, household_id=household.pk,
        declaration=services.Declaration(reason="子女上大学，教育支出大", risk_types=["education"]),
    )  # fmt: skip
    engine.case_transition(
        actor=v, case_id=case.pk, step="verify", comment="入户核实属实",
        data={"category": "unstable"}, today=demo.day(-300),
    )  # fmt: skip
    demo.act(v, case, "deliberate", -299, "村级评议同意纳入")
    demo.act(t, case, "township_review", -297, "乡镇审核同意")
    demo.act(t, case, "publish", -297)
    demo.act(o, case, "confirm", -289, "县级确认纳入脱贫不稳定户")
    demo.act(s, case, "assist", -285, "落实雨露计划助学补助，办理生源地助学贷款")
    demo.act(t, case, "risk_gone", -214, "家庭收入恢复，风险已消除")


def _village_exit(demo: _Demo) -> None:
    """A poor village of the demo township, not yet exited, with an incidence below the line:
    proposed, verified and published (its notice over), waiting for the county."""
    township_code = next(g.region_code for g in demo.township.grants if g.role_code == "township")
    profiles = VillageProfile.objects.filter(
        region__code__startswith=township_code, region__level=Level.VILLAGE, is_poor_village=True
    ).order_by("region_id")
    profile = profiles.exclude(region_id=demo.village.code).first() or profiles.first()
    if profile is None:
        return
    profile.exit_year = None
    profile.rural_population = max(profile.rural_population or 0, 1500)
    for key in ("hardened_road", "power_supply", "broadband", "clinic", "cultural_room"):
        setattr(profile, key, True)
    profile.save()
    t = demo.township
    case = services.village_exit_propose(
        actor=t, village_code=profile.region_id,
        reason="贫困发生率已降至 3% 以下，道路、电力、宽带、卫生室、文化室均已达标",
    )  # fmt: skip
    demo.act(t, case, "township_verify", -12, "乡镇核实：各项指标达标")
    demo.act(t, case, "publish", -10)


def _samples(demo: _Demo) -> None:
    o = demo.office
    try:
        sample = services.sample_draw(
            actor=o, region_code=demo.county_code, purpose="exited", size=30, seed=SEED,
            note="第三方评估：已脱贫户抽查",
        )  # fmt: skip
    except ValidationFailed:  # a county without exited households has no sample
        sample = None
    if sample is not None:
        for item in sample.items.order_by("position")[:24]:
            wrong = item.position == 7
            services.sample_finding_record(
                actor=o, item_id=item.pk, finding="wrong_exit" if wrong else "correct",
                note="入户核查：收入计算漏计大额医疗支出" if wrong else "", version=item.version,
            )  # fmt: skip
    villages = list(
        Region.objects.filter(code__startswith=demo.village.code[:9], level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)[:4]
    )
    for n, code in enumerate(villages):
        surveyed = 40 + 5 * n
        services.survey_record(
            actor=o, village_code=code, surveyed_on=demo.day(-20 + n), surveyed=surveyed,
            satisfied=surveyed - 1 - n % 2, surveyor="四川省第三方评估机构",
        )  # fmt: skip
