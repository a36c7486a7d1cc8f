"""The statistical division tree, village attributes, groupings and organisations.

Region codes are stored in their native length — 2 (province), 4 (city), 6 (county),
9 (township) or 12 (village) digits — so that every descendant's code starts with its
ancestor's code and jurisdiction is a prefix test. The padded 12-digit statistical form is
kept as `code12`; it is not unique on its own because three prefecture cities without
counties (东莞, 中山, 儋州) and 金门县 reuse one 12-digit code on two levels.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length

from fupin.core.models import BaseModel


class Level(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县"
    TOWNSHIP = 4, "乡镇"
    VILLAGE = 5, "村/社区"


CODE_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


def parent_code(code: str) -> str | None:
    level = LEVEL_OF_LENGTH[len(code)]
    return None if level == Level.PROVINCE else code[: CODE_LENGTH[level - 1]]


# `code__length` in the check constraints below.
models.CharField.register_lookup(Length)


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=True,
    )
    code12 = models.CharField("12位统计代码", max_length=12)
    dataset = models.CharField("数据版本", max_length=20, default="NBS-2023")

    class Meta:
        verbose_name = "行政区划"
        ordering = ["code"]
        indexes = [
            models.Index(
                fields=["code"], name="region_code_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "code"], name="region_level_code"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    code__regex=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"
                ),
                name="region_code_shape",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(level=1, code__length=2)
                    | models.Q(level=2, code__length=4)
                    | models.Q(level=3, code__length=6)
                    | models.Q(level=4, code__length=9)
                    | models.Q(level=5, code__length=12)
                ),
                name="region_level_matches_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return Level(self.level).label

    def ancestor_codes(self) -> list[str]:
        """Codes of the ancestors from the province down, excluding this region."""
        return [self.code[:n] for level, n in CODE_LENGTH.items() if level < self.level]

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)


class VillageProfile(BaseModel):
    """Attributes of a village (SPEC §1): poor-village flag, exit year, population, facilities."""

    region = models.OneToOneField(
        Region,
        verbose_name="村",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="profile",
    )
    county_code = models.CharField("县代码", max_length=6, db_index=True)
    is_poor_village = models.BooleanField("建档立卡贫困村", default=False)
    identified_year = models.PositiveSmallIntegerField("识别年度", null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField("退出年度", null=True, blank=True)
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    population = models.PositiveIntegerField("总人口", null=True, blank=True)
    rural_population = models.PositiveIntegerField("农业人口", null=True, blank=True)
    hardened_road = models.BooleanField("通硬化路", default=False)
    power_supply = models.BooleanField("通动力电", default=False)
    broadband = models.BooleanField("通宽带", default=False)
    clinic = models.BooleanField("有标准化卫生室", default=False)
    cultural_room = models.BooleanField("有文化室", default=False)
    collective_income = models.DecimalField(
        "村集体经济收入（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "村情信息"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(exit_year__isnull=True) | models.Q(is_poor_village=True),
                name="village_exit_requires_poor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.name}村情"


class BattleZone(BaseModel):
    """攻坚战区: a set of townships of one county under one county leader."""

    name = models.CharField("战区名称", max_length=100)
    county = models.ForeignKey(
        Region, verbose_name="所属县", on_delete=models.PROTECT, related_name="battle_zones"
    )
    county_code = models.CharField("县代码", max_length=6, db_index=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任领导（用户）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leader_name = models.CharField("责任领导", max_length=50)
    leader_title = models.CharField("职务", max_length=100, blank=True, default="")
    townships = models.ManyToManyField(Region, verbose_name="辖乡镇", related_name="+", blank=True)

    class Meta:
        verbose_name = "攻坚战区"
        ordering = ["county_code", "name"]

    def __str__(self) -> str:
        return self.name


class CommandUnitKind(models.TextChoices):
    LEADING_GROUP = "leading_group", "脱贫攻坚领导小组"
    HEADQUARTERS = "headquarters", "指挥部"
    WORKING_GROUP = "working_group", "专项工作组"
    TOWNSHIP_POST = "township_post", "乡镇指挥所"
    VILLAGE_ROOM = "village_room", "村作战室"


class CommandUnit(BaseModel):
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=CommandUnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="command_units"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    duties = models.TextField("职责", blank=True, default="")

    class Meta:
        verbose_name = "指挥体系单位"
        ordering = ["region_code", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class CommandUnitMember(BaseModel):
    unit = models.ForeignKey(
        CommandUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务/分工", max_length=100)
    phone = models.CharField("联系电话", max_length=20, blank=True, default="")
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "指挥体系成员"
        ordering = ["unit", "sort", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.position}）"


class OrganisationKind(models.TextChoices):
    GOVERNMENT = "government", "政府机关/单位"
    DEPARTMENT = "department", "行业部门"
    ENTERPRISE = "enterprise", "企业（龙头企业）"
    COOPERATIVE = "cooperative", "农民专业合作社"
    BANK = "bank", "金融机构"
    SCHOOL = "school", "学校"
    HOSPITAL = "hospital", "医疗机构"
    SOCIAL = "social", "社会组织"


class Organisation(BaseModel):
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=OrganisationKind.choices)
    sector = models.CharField("所属行业", max_length=50, blank=True, default="")
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="organisations"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, default="")
    contact_name = models.CharField("联系人", max_length=50, blank=True, default="")
    contact_phone = models.CharField("联系电话", max_length=20, blank=True, default="")
    address = models.CharField("地址", max_length=200, blank=True, default="")
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "组织机构"
        ordering = ["region_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="organisation_unique_name_in_region"
            ),
        ]

    def __str__(self) -> str:
        return self.name
