"""The registry file layout (national 建档立卡 export style) shared by import, export, the
template download, demo files and the benchmark.

- `.xlsx` / `.xls`: two sheets, 「户信息」 (one row per household, with that household's income
  for one year) and 「成员信息」 (one row per member, linked by 户编号).
- `.csv` (UTF-8 with or without BOM, GBK or GB18030): one row per member with the household
  columns first (HOUSEHOLD_COLUMNS then MEMBER_COLUMNS, 户编号 once). The household columns are
  read from the 户主 row; on other rows they may be blank or repeat the same values.

Headers are the Chinese labels below, in this order; code-list cells take the Chinese label
(e.g. 因病) or the code (illness); yes/no cells take 是/否 (also 1/0, Y/N); dates YYYY-MM-DD
(also YYYY/MM/DD and Excel dates); amounts in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fupin.registry import codes


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    CODE = "code"  # one value of `choices`
    CODES = "codes"  # several values of `choices`, separated by 、 or , or ;
    ID = "id"  # resident ID number (GB 11643)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: type[codes.models.TextChoices] | None = None
    max_length: int | None = None


HOUSEHOLD_SHEET = "户信息"
MEMBER_SHEET = "成员信息"

HOUSEHOLD_NO = Column("户编号", "household_no", required=True, max_length=30)

HOUSEHOLD_COLUMNS: list[Column] = [
    HOUSEHOLD_NO,
    Column("村代码", "village_code", required=True, max_length=12),
    Column("户主姓名", "head_name", required=True, max_length=50),
    Column("联系电话", "phone", max_length=20),
    Column("开户银行", "bank_name", max_length=100),
    Column("银行账号", "bank_account", max_length=40),
    Column("贫困户属性", "attribute", Kind.CODE, True, codes.Attribute),
    Column("识别标准", "standard", Kind.CODE, False, codes.Standard),
    Column("识别年度", "identified_year", Kind.INT, True),
    Column("主要致贫原因", "main_cause", Kind.CODE, True, codes.Cause),
    Column("其他致贫原因", "other_causes", Kind.CODES, False, codes.Cause),
    Column("贫困户状态", "status", Kind.CODE, True, codes.Status),
    Column("脱贫年度", "exit_year", Kind.INT),
    Column("家庭人口数", "declared_size", Kind.INT, True),
    Column("易地扶贫搬迁户", "is_relocated", Kind.BOOL),
    Column("军烈属", "is_military", Kind.BOOL),
    Column("帮扶责任人", "helper_name", max_length=50),
    Column("耕地面积（亩）", "arable_land", Kind.DECIMAL),
    Column("有效灌溉面积（亩）", "irrigated_land", Kind.DECIMAL),
    Column("林地面积（亩）", "forest_land", Kind.DECIMAL),
    Column("退耕还林面积（亩）", "grain_for_green_land", Kind.DECIMAL),
    Column("林果面积（亩）", "orchard_land", Kind.DECIMAL),
    Column("牧草地面积（亩）", "pasture_land", Kind.DECIMAL),
    Column("水面面积（亩）", "water_area", Kind.DECIMAL),
    Column("通生产用电", "production_power", Kind.BOOL),
    Column("通生活用电", "domestic_power", Kind.BOOL),
    Column("距村主干路距离（公里）", "road_distance_km", Kind.DECIMAL),
    Column("入户路类型", "road_surface", Kind.CODE, False, codes.RoadSurface),
    Column("住房面积（平方米）", "housing_area", Kind.DECIMAL),
    Column("住房安全等级", "housing_grade", Kind.CODE, False, codes.HousingGrade),
    Column("危房已改造", "housing_rebuilt", Kind.BOOL),
    Column("饮水困难", "water_difficulty", Kind.BOOL),
    Column("饮水安全", "water_safe", Kind.BOOL),
    Column("主要燃料类型", "fuel", Kind.CODE, False, codes.Fuel),
    Column("有卫生厕所", "sanitary_toilet", Kind.BOOL),
    Column("加入农民专业合作社", "cooperative_member", Kind.BOOL),
    # One year of income on the household row (optional: leave 收入年度 blank for none).
    Column("收入年度", "income_year", Kind.INT),
    *(Column(label, name, Kind.DECIMAL) for name, label in codes.INCOME_LABELS.items()),
]

MEMBER_COLUMNS: list[Column] = [
    HOUSEHOLD_NO,
    Column("姓名", "name", required=True, max_length=50),
    Column("身份证号", "id_number", Kind.ID, True),
    Column("性别", "declared_sex"),
    Column("出生日期", "declared_birth_date", Kind.DATE),
    Column("与户主关系", "relation", Kind.CODE, True, codes.Relation),
    Column("民族", "ethnicity", max_length=10),
    Column("政治面貌", "political_status", Kind.CODE, False, codes.PoliticalStatus),
    Column("文化程度", "education", Kind.CODE, False, codes.Education),
    Column("在校生状况", "schooling", Kind.CODE, False, codes.Schooling),
    Column("健康状况", "health", Kind.CODE, False, codes.Health),
    Column("残疾等级", "disability_grade", Kind.INT),
    Column("劳动技能", "labour", Kind.CODE, False, codes.Labour),
    Column("务工区域", "employment_tier", Kind.CODE, False, codes.EmploymentTier),
    Column("务工时间（月）", "employment_months", Kind.INT),
    Column("参加城乡居民基本医疗保险", "insured_medical", Kind.BOOL),
    Column("参加大病保险", "insured_critical", Kind.BOOL),
    Column("参加城乡居民基本养老保险", "insured_pension", Kind.BOOL),
    Column("参加意外险", "insured_accident", Kind.BOOL),
    Column("享受低保", "is_dibao", Kind.BOOL),
    Column("特困供养", "is_tekun", Kind.BOOL),
]

# The flat CSV layout: household columns, then member columns without the repeated 户编号.
FLAT_COLUMNS: list[Column] = HOUSEHOLD_COLUMNS + MEMBER_COLUMNS[1:]

INCOME_FIELDS = codes.INCOME_FIELDS  # the income columns, in layout order


def headers(columns: list[Column]) -> list[str]:
    return [c.header for c in columns]
