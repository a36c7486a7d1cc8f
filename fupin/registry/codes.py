"""Code lists of the registry (SPEC §2) with their Chinese labels.

Codes are stable identifiers stored in the database; labels are what users, exports and
imports see (imports accept either the label or the code).
"""

from __future__ import annotations

from django.db import models


class Attribute(models.TextChoices):
    GENERAL = "general", "一般贫困户"
    DIBAO = "dibao", "低保贫困户"
    TEKUN = "tekun", "特困供养贫困户"


class Standard(models.TextChoices):
    NATIONAL = "national", "国家标准"
    PROVINCIAL = "provincial", "省定标准"
    MUNICIPAL = "municipal", "市定标准"


class Cause(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    NO_LAND = "no_land", "缺土地"
    NO_WATER = "no_water", "缺水"
    NO_SKILLS = "no_skills", "缺技术"
    NO_LABOUR = "no_labour", "缺劳力"
    NO_CAPITAL = "no_capital", "缺资金"
    POOR_TRANSPORT = "poor_transport", "交通条件落后"
    NO_MOTIVATION = "no_motivation", "自身发展动力不足"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    POOR = "poor", "未脱贫"
    EXITED = "exited", "已脱贫"
    RETURNED = "returned", "返贫"
    REMOVED = "removed", "已清退"
    DISSOLVED = "dissolved", "自然减少"
    APPLICANT = "applicant", "识别中"
    ORDINARY = "ordinary", "一般农户"


class MonitoringCategory(models.TextChoices):
    """防返贫监测对象类别 (SPEC §3)."""

    UNSTABLE = "unstable", "脱贫不稳定户"
    EDGE = "edge", "边缘易致贫户"
    SUDDEN = "sudden", "突发严重困难户"


class MonitoringStatus(models.TextChoices):
    NONE = "", "非监测对象"
    MONITORED = "monitored", "监测帮扶中"
    CLEARED = "cleared", "风险已消除"


# Statuses that count a household in the registry's poor population.
POOR_STATUSES = (Status.POOR, Status.RETURNED)


class HousingGrade(models.TextChoices):
    A = "A", "A级（安全）"
    B = "B", "B级（基本安全）"
    C = "C", "C级（局部危险）"
    D = "D", "D级（整栋危险）"


DANGEROUS_GRADES = (HousingGrade.C, HousingGrade.D)


class RoadSurface(models.TextChoices):
    HARDENED = "hardened", "硬化路"
    GRAVEL = "gravel", "砂石路"
    DIRT = "dirt", "泥土路"
    NONE = "none", "未通路"


class Fuel(models.TextChoices):
    FIREWOOD = "firewood", "柴草"
    COAL = "coal", "煤炭"
    ELECTRICITY = "electricity", "电"
    GAS = "gas", "液化气/天然气"
    BIOGAS = "biogas", "沼气"
    OTHER = "other", "其他"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "之子"
    DAUGHTER = "daughter", "之女"
    DAUGHTER_IN_LAW = "daughter_in_law", "之儿媳"
    SON_IN_LAW = "son_in_law", "之女婿"
    GRANDSON = "grandson", "之孙子"
    GRANDDAUGHTER = "granddaughter", "之孙女"
    FATHER = "father", "之父"
    MOTHER = "mother", "之母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class PoliticalStatus(models.TextChoices):
    CPC = "cpc", "中共党员"
    CYL = "cyl", "共青团员"
    DEMOCRATIC = "democratic", "民主党派"
    MASSES = "masses", "群众"


class Education(models.TextChoices):
    ILLITERATE = "illiterate", "文盲或半文盲"
    PRESCHOOL = "preschool", "学龄前儿童"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中专"
    COLLEGE = "college", "大专及以上"


class Schooling(models.TextChoices):
    PRESCHOOL = "preschool", "学前"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职"
    HIGHER_VOCATIONAL = "higher_vocational", "高职高专"
    UNDERGRADUATE = "undergraduate", "本科及以上"
    NOT_IN_SCHOOL = "not_in_school", "非在校生"
    DROPOUT = "dropout", "辍学"


IN_SCHOOL = (
    Schooling.PRESCHOOL,
    Schooling.PRIMARY,
    Schooling.JUNIOR,
    Schooling.SENIOR,
    Schooling.SECONDARY_VOCATIONAL,
    Schooling.HIGHER_VOCATIONAL,
    Schooling.UNDERGRADUATE,
)


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "患有大病"
    DISABLED = "disabled", "残疾"


class Labour(models.TextChoices):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱劳动力/半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class EmploymentTier(models.TextChoices):
    TOWNSHIP = "township", "乡镇内"
    COUNTY = "county", "县内"
    PROVINCE = "province", "省内"
    OUT_OF_PROVINCE = "out_of_province", "省外"


class MemberChangeKind(models.TextChoices):
    BIRTH = "birth", "出生"
    DEATH = "death", "死亡"
    MARRY_IN = "marry_in", "婚入"
    MARRY_OUT = "marry_out", "婚出"
    MOVE_IN = "move_in", "迁入"
    MOVE_OUT = "move_out", "迁出"
    CORRECTION = "correction", "信息更正"


# Kinds that end a member's membership from the change date.
LEAVING_KINDS = (MemberChangeKind.DEATH, MemberChangeKind.MARRY_OUT, MemberChangeKind.MOVE_OUT)
JOINING_KINDS = (MemberChangeKind.BIRTH, MemberChangeKind.MARRY_IN, MemberChangeKind.MOVE_IN)

ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip

# The parts of a year's income (field name → label), in the one order that the model, the
# entry form, the API, the import layout, the exports, the rules and the demo all follow:
# earned and property income, the transfer parts (their sum is 转移性收入), and last the
# production costs that are subtracted (人均纯收入 = (income − costs) / size).
EARNED_INCOME = {
    "wage": "工资性收入",
    "business": "生产经营性收入",
    "property_income": "财产性收入",
}
TRANSFER_INCOME = {
    "transfer_dibao": "低保金",
    "transfer_tekun": "特困供养金",
    "transfer_pension": "养老金",
    "transfer_eco": "生态补偿金",
    "transfer_family_planning": "计划生育金",
    "transfer_other": "其他转移性收入",
}
INCOME_COSTS = {"production_costs": "生产经营性支出"}
INCOME_LABELS = {**EARNED_INCOME, **TRANSFER_INCOME, **INCOME_COSTS}
INCOME_FIELDS: tuple[str, ...] = tuple(INCOME_LABELS)
