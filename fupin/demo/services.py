"""The demo county 射洪市 (510981): village profiles, organisations, battle zones, command
units and one demo login per role of SPEC §0.

Everything is generated from a seeded `random.Random`, so two databases loaded with the demo
hold the same data, and every write is get-or-create, so a second run changes nothing. A run
that finds the demo complete returns after a handful of queries.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from fupin.accounts.models import Grant, User
from fupin.core.context import audit_context
from fupin.regions.loader import load_regions
from fupin.regions.models import (
    BattleZone,
    CommandUnit,
    CommandUnitKind,
    CommandUnitMember,
    Level,
    Organisation,
    OrganisationKind,
    Region,
    VillageProfile,
)

logger = logging.getLogger(__name__)

DEMO_PROVINCE = "51"  # 四川省
DEMO_COUNTY = "510981"  # 射洪市
DEMO_PASSWORD = "Fupin2026demo"  # noqa: S105 — documented demo password, demo data only
SEED = 20151129  # 《中共中央 国务院关于打赢脱贫攻坚战的决定》
POVERTY_OFFICE = "射洪市乡村振兴局"
# Sichuan has 183 county-level divisions; fewer loaded means the province is not loaded yet.
PROVINCE_COUNTIES_MIN = 150

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林谢唐邓冯蒲蒋彭曾任袁"
GIVEN = "建国华明军平志强文杰秀英丽芳敏静伟刚勇涛磊洋艳娟桂兰德福春梅红霞玉兵海燕"


@dataclass(frozen=True)
class DemoUser:
    username: str
    real_name: str
    role: str
    level: int  # region level of the grant: county, township or village
    title: str
    unit: str = ""  # organisation name in the county, if any
    extra_role: str = ""  # a second grant (same region) to show the grant switcher


DEMO_USERS: list[DemoUser] = [
    DemoUser("demo_sysadmin", "蒲建国", "sysadmin", Level.COUNTY, "信息中心主任"),
    DemoUser("demo_admin", "何文杰", "region_admin", Level.COUNTY, "系统管理员", POVERTY_OFFICE),
    DemoUser("demo_office", "杨秀英", "poverty_office", Level.COUNTY, "局长", POVERTY_OFFICE),
    DemoUser("demo_discipline", "唐志强", "discipline", Level.COUNTY, "纪委监委室主任"),
    DemoUser("demo_edu", "谢丽芳", "industry", Level.COUNTY, "资助中心主任", "射洪市教育局"),
    DemoUser("demo_health", "邓海燕", "industry", Level.COUNTY, "医政科科长", "射洪市卫生健康局"),
    DemoUser("demo_finance", "罗德福", "audit_finance", Level.COUNTY, "农业股股长", "射洪市财政局"),
    DemoUser("demo_township", "曾春梅", "township", Level.TOWNSHIP, "扶贫专干"),
    DemoUser("demo_village", "冯桂兰", "village", Level.VILLAGE, "村扶贫专员"),
    DemoUser(
        "demo_secretary", "袁明军", "first_secretary", Level.VILLAGE, "驻村第一书记", "", "helper"
    ),
    DemoUser("demo_helper", "彭红霞", "helper", Level.VILLAGE, "帮扶责任人"),
    DemoUser("demo_viewer", "任伟", "viewer", Level.COUNTY, "督查员"),
]

DEPARTMENTS = [
    ("射洪市教育局", "教育"),
    ("射洪市卫生健康局", "卫健"),
    ("射洪市人力资源和社会保障局", "人社"),
    ("射洪市民政局", "民政"),
    ("射洪市住房和城乡建设局", "住建"),
    ("射洪市水务局", "水务"),
    ("射洪市农业农村局", "农业农村"),
    ("射洪市财政局", "财政"),
    ("射洪市交通运输局", "交通"),
]

COUNTY_LEADERS = [
    ("周德华", "市委副书记"),
    ("陈国平", "常务副市长"),
    ("林志明", "市人大常委会副主任"),
    ("郭文军", "副市长"),
    ("黄玉兰", "市政协副主席"),
]


def is_rural(village: Region) -> bool:
    """村民委员会 (rural village) as opposed to 居民委员会 (urban community)."""
    return village.name.endswith("村民委员会")


def short_name(region: Region) -> str:
    """金鱼垭村村民委员会 → 金鱼垭村; 香樟社区居民委员会 → 香樟社区."""
    for suffix in ("村民委员会", "居民委员会"):
        if region.name.endswith(suffix) and len(region.name) > len(suffix):
            return region.name[: -len(suffix)]
    return region.name


def phone_for(index: int) -> str:
    return f"138{index:08d}"


def demo_is_loaded() -> bool:
    """True when the demo is complete: a few cheap queries, no writes."""
    villages = Region.objects.filter(code__startswith=DEMO_COUNTY, level=Level.VILLAGE).count()
    if not villages:
        return False
    return (
        VillageProfile.objects.filter(county_code=DEMO_COUNTY).count() == villages
        and Organisation.objects.filter(region_id=DEMO_COUNTY, name=POVERTY_OFFICE).exists()
        and CommandUnit.objects.filter(
            region_code__startswith=DEMO_COUNTY, kind=CommandUnitKind.VILLAGE_ROOM
        ).exists()
        and User.objects.filter(username__in=[u.username for u in DEMO_USERS]).count()
        == len(DEMO_USERS)
    )


def ensure_regions(province: str = DEMO_PROVINCE) -> bool:
    """Load the province's division tree unless it is there; True when it loaded."""
    loaded = Region.objects.filter(code__startswith=province, level=Level.COUNTY).count()
    if loaded >= PROVINCE_COUNTIES_MIN and Region.objects.filter(code=DEMO_COUNTY).exists():
        return False
    load_regions([province])
    return True


def load_demo(*, province: str | None = DEMO_PROVINCE, households: int | None = None) -> bool:
    """Load the demo county; returns False when it was already complete (nothing written).

    `province=None` skips the province load (tests load only the demo county's subtree).
    `households` sizes the demo registry (default ~18,000; 0 skips it; tests use a few
    hundred). The registry is loaded once: a county that has households keeps them.
    """
    from .registry import DEFAULT_HOUSEHOLDS, load_registry, registry_loaded
    from .supervision import load_supervision_demo, load_supervision_extras
    from .workflows import load_workflows

    if province:
        ensure_regions(province)
    loaded = False
    if not demo_is_loaded():
        with audit_context(reason="演示数据", actor_name="load_demo"):
            _load()
        loaded = True
    size = DEFAULT_HOUSEHOLDS if households is None else households
    if size > 0 and not registry_loaded(DEMO_COUNTY):
        with audit_context(reason="演示数据", actor_name="load_demo"):
            result = load_registry(county_code=DEMO_COUNTY, households=size, seed=SEED)
        if result is not None:
            logger.info(
                "demo registry: %s households, %s members, %s incomes, %s snapshots in %.1fs %s",
                result.households, result.members, result.incomes, result.snapshots,
                result.seconds, {k: round(v, 1) for k, v in result.timings.items()},
            )  # fmt: skip
        load_workflows(DEMO_COUNTY)  # demo cases, made with the registry (once)
        load_supervision_demo(DEMO_COUNTY)  # the first sweep, alerts at every stage, inbox
        load_supervision_extras(DEMO_COUNTY)  # inspections, traffic lights, accountability
        loaded = True
    return loaded


@transaction.atomic
def _load() -> None:
    rng = random.Random(SEED)  # noqa: S311 — reproducible demo data, not secrets
    county = Region.objects.get(code=DEMO_COUNTY)
    townships = list(Region.objects.filter(parent=county).order_by("code"))
    villages = list(
        Region.objects.filter(code__startswith=DEMO_COUNTY, level=Level.VILLAGE).order_by("code")
    )
    poor = _village_profiles(rng, villages)
    orgs = _organisations(county, townships)
    users = _users(rng, county, townships, villages, poor, orgs)
    _battle_zones(county, townships)
    _command_units(rng, county, townships, villages, poor, users)


def _village_profiles(rng: random.Random, villages: list[Region]) -> set[str]:
    """A profile for every village; ~17% of the rural villages are registered poor villages."""
    rural = [v for v in villages if is_rural(v)]
    poor = set(v.code for v in rng.sample(rural, k=round(len(rural) * 0.17)))
    # Most poor villages exited between 2016 and 2020; a few are kept unexited for the demo.
    still_poor = set(sorted(poor)[:: max(1, len(poor) // 3)][:3])
    profiles = []
    for village in villages:
        community = not is_rural(village)
        households = rng.randint(600, 2200) if community else rng.randint(220, 780)
        population = round(households * rng.uniform(2.7, 3.5))
        rural_share = rng.uniform(0.15, 0.45) if community else rng.uniform(0.86, 0.97)
        is_poor = village.code in poor
        exited = is_poor and village.code not in still_poor
        facilities_ok = not is_poor or exited
        profiles.append(
            VillageProfile(
                region=village,
                county_code=DEMO_COUNTY,
                is_poor_village=is_poor,
                identified_year=2014 if is_poor else None,
                exit_year=rng.choice([2016, 2017, 2017, 2018, 2018, 2019, 2020])
                if exited
                else None,
                households=households,
                population=population,
                rural_population=round(population * rural_share),
                hardened_road=facilities_ok or rng.random() < 0.5,
                power_supply=True,
                broadband=facilities_ok or rng.random() < 0.3,
                clinic=facilities_ok or rng.random() < 0.6,
                cultural_room=facilities_ok or rng.random() < 0.4,
                collective_income=Decimal(rng.randrange(20_000, 400_000, 500)).quantize(
                    Decimal("0.01")
                )
                if facilities_ok
                else Decimal(rng.randrange(0, 20_000, 500)).quantize(Decimal("0.01")),
            )
        )
    VillageProfile.objects.bulk_create(profiles, ignore_conflicts=True, batch_size=1000)
    return poor


def _organisations(county: Region, townships: list[Region]) -> dict[str, Organisation]:
    t = {r.name: r for r in townships}

    def pick(name: str) -> Region:
        return t.get(name, townships[0])

    specs: list[tuple[str, str, str, Region]] = [
        (POVERTY_OFFICE, OrganisationKind.GOVERNMENT, "扶贫", county),
        *((name, OrganisationKind.DEPARTMENT, sector, county) for name, sector in DEPARTMENTS),
        ("四川涪江绿源农业开发有限公司", OrganisationKind.ENTERPRISE, "农业", pick("金华镇")),
        ("射洪市沱牌生态食品有限公司", OrganisationKind.ENTERPRISE, "食品", pick("沱牌镇")),
        ("射洪市青岗镇柑橘种植专业合作社", OrganisationKind.COOPERATIVE, "种植", pick("青岗镇")),
        ("射洪市洋溪镇生猪养殖专业合作社", OrganisationKind.COOPERATIVE, "养殖", pick("洋溪镇")),
        ("射洪市农村信用合作联社", OrganisationKind.BANK, "金融", county),
        ("射洪市太和第一小学", OrganisationKind.SCHOOL, "教育", pick("太和街道")),
        ("射洪市人民医院", OrganisationKind.HOSPITAL, "卫健", pick("太和街道")),
    ]
    orgs: dict[str, Organisation] = {}
    for n, (name, kind, sector, region) in enumerate(specs, 1):
        org, _ = Organisation.objects.get_or_create(
            region=region,
            name=name,
            defaults={
                "kind": kind,
                "sector": sector,
                "region_code": region.code,
                "contact_phone": f"0825-66{n:05d}",
                "address": f"四川省遂宁市射洪市{region.name if region.level == 4 else '太和街道'}",
            },
        )
        orgs[name] = org
    return orgs


def _grant_region(level: int, county: Region, township: Region, village: Region) -> Region:
    by_level: dict[int, Region] = {
        Level.COUNTY: county,
        Level.TOWNSHIP: township,
        Level.VILLAGE: village,
    }
    return by_level[level]


def _demo_township_and_village(
    townships: list[Region], villages: list[Region], poor: set[str]
) -> tuple[Region, Region]:
    """The township with the most poor villages, and its first poor village."""

    def poor_count(t: Region) -> int:
        return sum(1 for code in poor if code.startswith(t.code))

    township = max(townships, key=lambda t: (poor_count(t), -int(t.code)))
    village = next(v for v in villages if v.code in poor and v.code.startswith(township.code))
    return township, village


def _users(
    rng: random.Random,
    county: Region,
    townships: list[Region],
    villages: list[Region],
    poor: set[str],
    orgs: dict[str, Organisation],
) -> dict[str, User]:
    township, village = _demo_township_and_village(townships, villages, poor)
    users: dict[str, User] = {}
    for n, spec in enumerate(DEMO_USERS, 1):
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                real_name=spec.real_name,
                phone=phone_for(n),
                title=spec.title,
                unit=orgs.get(spec.unit),
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
        region = _grant_region(spec.level, county, township, village)
        for role in filter(None, (spec.role, spec.extra_role)):
            Grant.objects.get_or_create(user=user, role_id=role, region=region)
        users[spec.username] = user
    return users


def _battle_zones(county: Region, townships: list[Region]) -> None:
    size = -(-len(townships) // len(COUNTY_LEADERS))  # ceil
    numerals = "一二三四五六七八九十"
    for i, (leader, title) in enumerate(COUNTY_LEADERS):
        members = townships[i * size : (i + 1) * size]
        if not members:
            continue
        zone, created = BattleZone.objects.get_or_create(
            county=county,
            name=f"第{numerals[i]}攻坚战区",
            defaults={"county_code": county.code, "leader_name": leader, "leader_title": title},
        )
        if created:
            zone.townships.set(members)


Member = tuple[str, str, User | None]  # name, position, the user when the member logs in


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, k=rng.choice([1, 2])))


def _unit(
    name: str,
    kind: str,
    region: Region,
    parent: CommandUnit | None,
    duties: str,
    members: list[Member],
) -> CommandUnit:
    unit, created = CommandUnit.objects.get_or_create(
        region=region,
        kind=kind,
        name=name,
        defaults={"region_code": region.code, "parent": parent, "duties": duties},
    )
    if created:
        CommandUnitMember.objects.bulk_create(
            CommandUnitMember(
                unit=unit,
                user=user,
                name=person,
                position=position,
                phone=(user.phone or "") if user else "",
                sort=n,
            )
            for n, (person, position, user) in enumerate(members)
        )
    return unit


def _command_units(
    rng: random.Random,
    county: Region,
    townships: list[Region],
    villages: list[Region],
    poor: set[str],
    users: dict[str, User],
) -> None:
    K = CommandUnitKind
    leading = _unit(
        "射洪市脱贫攻坚领导小组",
        K.LEADING_GROUP,
        county,
        None,
        "统筹全市脱贫攻坚工作，研究决定重大事项",
        [
            ("赵建华", "组长（市委书记）", None),
            ("孙明", "组长（市长）", None),
            (COUNTY_LEADERS[0][0], "副组长", None),
            (users["demo_office"].real_name, "成员兼办公室主任", users["demo_office"]),
        ],
    )
    hq = _unit(
        "射洪市脱贫攻坚指挥部",
        K.HEADQUARTERS,
        county,
        leading,
        "调度、督导、考核全市脱贫攻坚任务",
        [
            (COUNTY_LEADERS[1][0], "指挥长", None),
            (users["demo_office"].real_name, "副指挥长", users["demo_office"]),
            (users["demo_discipline"].real_name, "督查组组长", users["demo_discipline"]),
        ],
    )
    _unit(
        "产业扶贫专项工作组",
        K.WORKING_GROUP,
        county,
        hq,
        "产业扶持、合作社带动与扶贫小额信贷",
        [(COUNTY_LEADERS[3][0], "组长", None), (_person(rng), "成员（农业农村局）", None)],
    )
    _unit(
        "教育扶贫专项工作组",
        K.WORKING_GROUP,
        county,
        hq,
        "控辍保学与教育资助",
        [
            (COUNTY_LEADERS[4][0], "组长", None),
            (users["demo_edu"].real_name, "成员（教育局）", users["demo_edu"]),
        ],
    )
    demo_township, demo_village = _demo_township_and_village(townships, villages, poor)
    for township in townships:
        staff = users["demo_township"] if township.code == demo_township.code else None
        members: list[Member] = [
            (_person(rng), "所长（乡镇党委书记）", None),
            (_person(rng), "副所长（乡镇长）", None),
        ]
        if staff:
            members.append((staff.real_name, "扶贫专干", staff))
        _unit(
            f"{township.name}脱贫攻坚指挥所",
            K.TOWNSHIP_POST,
            township,
            hq,
            "组织本乡镇脱贫攻坚各项任务落实",
            members,
        )
    others = [v for v in villages if v.code in poor and v.code != demo_village.code]
    rooms = [demo_village, *others[:1]]
    for village in rooms:
        post = CommandUnit.objects.get(
            kind=K.TOWNSHIP_POST, region_id=village.code[:9], region_code=village.code[:9]
        )
        members = [(_person(rng), "村党支部书记", None)]
        if village.code == demo_village.code:
            members = [
                (users["demo_secretary"].real_name, "驻村第一书记", users["demo_secretary"]),
                (users["demo_village"].real_name, "村扶贫专员", users["demo_village"]),
                *members,
            ]
        else:
            members.insert(0, (_person(rng), "驻村第一书记", None))
        _unit(
            f"{short_name(village)}脱贫攻坚作战室",
            K.VILLAGE_ROOM,
            village,
            post,
            "挂图作战，逐户落实帮扶措施",
            members,
        )


def demo_logins() -> list[dict[str, str]]:
    """One row per demo user (in DEMO_USERS order), for the table printed after loading."""
    order = {u.username: n for n, u in enumerate(DEMO_USERS)}
    users = (
        User.objects.filter(username__in=order)
        .prefetch_related("grants__role", "grants__region")
        .order_by()
    )
    rows = []
    for user in sorted(users, key=lambda u: order[u.username]):
        grants = sorted(user.grants.all(), key=lambda g: g.role.rank)
        rows.append(
            {
                "username": user.username,
                "real_name": user.real_name,
                "phone": user.phone or "",
                "role": "、".join(g.role.name for g in grants),
                "region": "、".join(sorted({_region_label(g.region) for g in grants})),
            }
        )
    return rows


def _region_label(region: Region) -> str:
    if region.level <= Level.COUNTY:
        return region.name
    names = dict(
        Region.objects.filter(code__in=region.ancestor_codes()[2:]).values_list("code", "name")
    )
    return "".join(names[c] for c in sorted(names)) + short_name(region)
