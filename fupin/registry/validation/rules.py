"""The rule catalogue. Codes: H = household, M = member, I = income, L = living conditions.

Each check receives its own Rule (to build issues) and the Bundle. Checks read attributes with
`getattr` defaults where an import row may lack a field, and skip what they cannot judge
(a missing birth date, no poverty line) rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from fupin.registry import codes
from fupin.registry import params as registry_params

from .base import Bundle, Issue, Rule, Severity, rule

E, W = Severity.ERROR, Severity.WARNING

S = codes.Status
R = codes.Relation
ACTIVE = (S.POOR, S.EXITED, S.RETURNED)  # households the supervision rules look at
LABOUR_FORCE = (codes.Labour.ORDINARY, codes.Labour.SKILLED, codes.Labour.WEAK)
FULL_LABOUR = (codes.Labour.ORDINARY, codes.Labour.SKILLED)
NO_LABOUR = (codes.Labour.LOST, codes.Labour.NONE)
LAND_FIELDS = {
    "arable_land": "耕地面积",
    "irrigated_land": "有效灌溉面积",
    "forest_land": "林地面积",
    "grain_for_green_land": "退耕还林面积",
    "orchard_land": "林果面积",
    "pasture_land": "牧草地面积",
    "water_area": "水面面积",
}
INCOME_FIELDS = {**codes.EARNED_INCOME, **codes.TRANSFER_INCOME}  # what adds up
AMOUNT_FIELDS = codes.INCOME_LABELS  # … and the costs subtracted
PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
BANK_ACCOUNT = re.compile(r"^[0-9]{10,30}$")
FIRST_IDENTIFIED_YEAR = 2013  # 建档立卡 began in 2013-2014
PER_CAPITA_CEILING = Decimal("100000")
MIN_AREA_PER_PERSON, MAX_AREA_PER_PERSON = Decimal("5"), Decimal("200")
RELOCATED_MAX_ROAD_KM = Decimal("5")


# --- helpers ---------------------------------------------------------------------------------


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _current(b: Bundle) -> Iterator[tuple[int, Any]]:
    """(index in b.members, member) for the members still in the household."""
    for index, m in enumerate(b.members):
        if getattr(m, "left_on", None) is None:
            yield index, m


def _age(b: Bundle, m: Any) -> int | None:
    return b.age(m) if getattr(m, "birth_date", None) else None


def _dec(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # (comparing a Decimal with "" costs an ABC check)
        return value
    return Decimal(str(value)) if value is not None and value != "" else Decimal("0")


def _gross(inc: Any) -> Decimal:
    return sum((_dec(getattr(inc, f, 0)) for f in INCOME_FIELDS), Decimal("0"))


def _per_capita(inc: Any) -> Decimal | None:
    size = getattr(inc, "size", 0) or 0
    if size < 1:
        return None
    net = _gross(inc) - _dec(getattr(inc, "production_costs", 0))
    return (net / size).quantize(Decimal("0.01"))


def _latest_income(b: Bundle) -> Any | None:
    return max(b.incomes, key=lambda i: i.year) if b.incomes else None


def _status(b: Bundle) -> str:
    return str(getattr(b.household, "status", S.POOR) or S.POOR)


def _school_ages(b: Bundle) -> tuple[int, int]:
    return (
        int(b.param(registry_params.COMPULSORY_SCHOOL_AGE_FROM.key)),
        int(b.param(registry_params.COMPULSORY_SCHOOL_AGE_TO.key)),
    )


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f} 元"


# --- household (H) ---------------------------------------------------------------------------


@rule("H001", "户主唯一", E, ("relation",), "每户有且只有一名在册户主")
def one_head(r: Rule, b: Bundle) -> Iterator[Issue]:
    heads = [m for m in b.current_members if m.relation == "head"]
    if len(heads) != 1:
        yield r.issue(f"每户必须有且只有一名户主，当前为 {len(heads)} 名")


@rule("H002", "家庭人口数与成员数一致", E, ("declared_size",))
def size_matches(r: Rule, b: Bundle) -> Iterator[Issue]:
    n = len(b.current_members)
    if b.household.declared_size != n:
        yield r.issue(f"家庭人口数（{b.household.declared_size}）与在册成员数（{n}）不一致")


@rule("H003", "脱贫年度早于识别年度", E, ("exit_year", "identified_year"))
def exit_before_identification(r: Rule, b: Bundle) -> Iterator[Issue]:
    h = b.household
    if h.exit_year and h.identified_year and h.exit_year < h.identified_year:
        yield r.issue(f"脱贫年度（{h.exit_year}）早于识别年度（{h.identified_year}）")


@rule("H004", "已脱贫户缺少脱贫年度", E, ("status", "exit_year"))
def exited_without_year(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) == S.EXITED and not b.household.exit_year:
        yield r.issue("贫困户状态为已脱贫，但未填写脱贫年度")


@rule("H005", "未脱贫户填有脱贫年度", E, ("status", "exit_year"), "未脱贫户不应有脱贫年度")
def year_without_exit(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) == S.POOR and b.household.exit_year:
        yield r.issue(f"贫困户状态为未脱贫，却填有脱贫年度 {b.household.exit_year}")


@rule("H006", "识别年度超出范围", E, ("identified_year",), "识别年度应在 2013 年至今年之间")
def identified_year_range(r: Rule, b: Bundle) -> Iterator[Issue]:
    year = b.household.identified_year
    if year and not FIRST_IDENTIFIED_YEAR <= year <= b.today.year:
        yield r.issue(f"识别年度 {year} 不在 {FIRST_IDENTIFIED_YEAR} 年至 {b.today.year} 年之间")


@rule("H007", "未落实帮扶责任人", W, ("helper_name",), "在册贫困户应有帮扶责任人")
def missing_helper(r: Rule, b: Bundle) -> Iterator[Issue]:
    h = b.household
    if _status(b) in ACTIVE and not getattr(h, "helper_id", None) and not h.helper_name:
        yield r.issue("未落实帮扶责任人（帮扶责任人为空）")


@rule("H008", "低保贫困户无享受低保成员", W, ("attribute", "is_dibao"))
def dibao_household_without_member(r: Rule, b: Bundle) -> Iterator[Issue]:
    if b.household.attribute == codes.Attribute.DIBAO and not any(
        m.is_dibao for m in b.current_members
    ):
        yield r.issue("贫困户属性为低保贫困户，但没有成员标记为享受低保")


@rule("H009", "享受低保成员与户属性不符", W, ("attribute", "is_dibao"))
def dibao_member_in_other_household(r: Rule, b: Bundle) -> Iterator[Issue]:
    if b.household.attribute == codes.Attribute.DIBAO:
        return
    label = _label(codes.Attribute, b.household.attribute)
    for index, m in _current(b):
        if m.is_dibao:
            yield r.issue(f"成员 {m.name} 享受低保，但贫困户属性为{label}", index)


@rule("H010", "特困供养户无特困供养成员", W, ("attribute", "is_tekun"))
def tekun_household_without_member(r: Rule, b: Bundle) -> Iterator[Issue]:
    if b.household.attribute == codes.Attribute.TEKUN and not any(
        m.is_tekun for m in b.current_members
    ):
        yield r.issue("贫困户属性为特困供养贫困户，但没有成员标记为特困供养")


@rule("H011", "特困供养成员与户属性不符", W, ("attribute", "is_tekun"))
def tekun_member_in_other_household(r: Rule, b: Bundle) -> Iterator[Issue]:
    if b.household.attribute == codes.Attribute.TEKUN:
        return
    label = _label(codes.Attribute, b.household.attribute)
    for index, m in _current(b):
        if m.is_tekun:
            yield r.issue(f"成员 {m.name} 为特困供养人员，但贫困户属性为{label}", index)


@rule("H012", "特困供养户有劳动力成员", W, ("attribute", "labour"))
def tekun_with_labour(r: Rule, b: Bundle) -> Iterator[Issue]:
    if b.household.attribute != codes.Attribute.TEKUN:
        return
    for index, m in _current(b):
        if m.labour in FULL_LABOUR:
            yield r.issue(
                f"特困供养户成员 {m.name} 的劳动技能为{_label(codes.Labour, m.labour)}",
                index,
            )


@rule("H013", "联系电话格式错误", W, ("phone",), "手机号 11 位，或带区号的固定电话")
def phone_format(r: Rule, b: Bundle) -> Iterator[Issue]:
    phone = (getattr(b.household, "phone", "") or "").strip()
    if phone and not PHONE.match(phone):
        yield r.issue(f"联系电话“{phone}”格式不正确，应为11位手机号或带区号的固定电话")


@rule("H014", "银行账号格式错误", E, ("bank_account",), "银行账号为 10 至 30 位数字")
def bank_account_format(r: Rule, b: Bundle) -> Iterator[Issue]:
    account = (getattr(b.household, "bank_account", "") or "").replace(" ", "")
    if account and not BANK_ACCOUNT.match(account):
        yield r.issue(f"银行账号应为10至30位数字，当前为 {len(account)} 位“{account[-4:]}”结尾")


@rule("H015", "户主年龄不足16周岁", W, ("relation", "birth_date"))
def young_head(r: Rule, b: Bundle) -> Iterator[Issue]:
    head = b.head
    age = _age(b, head) if head is not None else None
    if head is not None and age is not None and age < 16:
        yield r.issue(f"户主 {head.name} 仅 {age} 岁，不足16周岁", b.members.index(head))


@rule("H016", "户内成员重复", W, ("name", "birth_date"), "同一户内姓名和出生日期都相同")
def duplicate_members(r: Rule, b: Bundle) -> Iterator[Issue]:
    seen: set[tuple[str, Any]] = set()
    for index, m in _current(b):
        key = (m.name, getattr(m, "birth_date", None))
        if key in seen:
            # The age, not the birth date: doubts are read by roles that may not see it.
            yield r.issue(f"成员 {m.name}（{b.age(m)}岁）在本户重复登记", index)
        seen.add(key)


# --- member (M) ------------------------------------------------------------------------------


def _head_age(b: Bundle) -> int | None:
    head = b.head
    return _age(b, head) if head is not None else None


@rule("M001", "子女年龄不小于户主", E, ("relation", "birth_date"))
def child_older_than_head(r: Rule, b: Bundle) -> Iterator[Issue]:
    head_age = _head_age(b)
    if head_age is None:
        return
    for index, m in _current(b):
        age = _age(b, m)
        if m.relation in (R.SON, R.DAUGHTER) and age is not None and age >= head_age:
            yield r.issue(
                f"成员 {m.name}（{_label(R, m.relation)}，{age} 岁）不小于户主（{head_age} 岁）",
                index,
            )


@rule("M002", "子女与户主年龄差不足15岁", W, ("relation", "birth_date"))
def child_too_close_to_head(r: Rule, b: Bundle) -> Iterator[Issue]:
    head_age = _head_age(b)
    if head_age is None:
        return
    for index, m in _current(b):
        age = _age(b, m)
        if m.relation in (R.SON, R.DAUGHTER) and age is not None and 0 < head_age - age < 15:
            yield r.issue(
                f"成员 {m.name}（{_label(R, m.relation)}，{age} 岁）"
                f"与户主（{head_age} 岁）仅相差 {head_age - age} 岁",
                index,
            )


@rule("M003", "父母与户主年龄差不足15岁", W, ("relation", "birth_date"))
def parent_too_young(r: Rule, b: Bundle) -> Iterator[Issue]:
    head_age = _head_age(b)
    if head_age is None:
        return
    for index, m in _current(b):
        age = _age(b, m)
        if m.relation in (R.FATHER, R.MOTHER) and age is not None and age < head_age + 15:
            yield r.issue(
                f"成员 {m.name}（{_label(R, m.relation)}，{age} 岁）"
                f"比户主（{head_age} 岁）大不到15岁",
                index,
            )


@rule("M004", "孙辈与户主年龄差不足30岁", W, ("relation", "birth_date"))
def grandchild_too_old(r: Rule, b: Bundle) -> Iterator[Issue]:
    head_age = _head_age(b)
    if head_age is None:
        return
    for index, m in _current(b):
        age = _age(b, m)
        if m.relation in (R.GRANDSON, R.GRANDDAUGHTER) and age is not None and age > head_age - 30:
            yield r.issue(
                f"成员 {m.name}（{_label(R, m.relation)}，{age} 岁）"
                f"与户主（{head_age} 岁）相差不到30岁",
                index,
            )


@rule("M005", "配偶未达法定婚龄", W, ("relation", "birth_date"), "男 22 周岁、女 20 周岁")
def spouse_under_marriage_age(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        legal = 22 if m.sex == "男" else 20
        if m.relation == R.SPOUSE and age is not None and age < legal:
            yield r.issue(f"配偶 {m.name}（{m.sex}，{age} 岁）未达法定婚龄 {legal} 周岁", index)


@rule("M006", "义务教育阶段辍学", W, ("schooling", "birth_date"), "控辍保学：适龄儿童辍学")
def compulsory_dropout(r: Rule, b: Bundle) -> Iterator[Issue]:
    low, high = _school_ages(b)
    for index, m in _current(b):
        age = _age(b, m)
        if m.schooling == codes.Schooling.DROPOUT and age is not None and low <= age <= high:
            yield r.issue(f"成员 {m.name}（{age} 岁）处于义务教育阶段，在校生状况为辍学", index)


@rule("M007", "义务教育适龄未在校", W, ("schooling", "birth_date"))
def compulsory_not_in_school(r: Rule, b: Bundle) -> Iterator[Issue]:
    low, high = _school_ages(b)
    for index, m in _current(b):
        age = _age(b, m)
        if m.schooling == codes.Schooling.NOT_IN_SCHOOL and age is not None and low <= age <= high:
            yield r.issue(
                f"成员 {m.name}（{age} 岁）处于义务教育年龄（{low}～{high} 岁），"
                "在校生状况为非在校生",
                index,
            )


@rule("M008", "非义务教育年龄标记为辍学", W, ("schooling", "birth_date"))
def dropout_outside_compulsory_age(r: Rule, b: Bundle) -> Iterator[Issue]:
    low, high = _school_ages(b)
    for index, m in _current(b):
        age = _age(b, m)
        if m.schooling == codes.Schooling.DROPOUT and age is not None and not low <= age <= high:
            yield r.issue(
                f"成员 {m.name}（{age} 岁）不在义务教育年龄（{low}～{high} 岁），却标记为辍学",
                index,
            )


@rule("M009", "学前儿童年龄过大", W, ("schooling", "birth_date"), "学前教育一般不超过 7 岁")
def preschool_too_old(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        if m.schooling == codes.Schooling.PRESCHOOL and age is not None and age > 7:
            yield r.issue(f"成员 {m.name}（{age} 岁）在校生状况为学前，年龄超过7岁", index)


@rule("M010", "本科在校生年龄过小", W, ("schooling", "birth_date"))
def undergraduate_too_young(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        if m.schooling == codes.Schooling.UNDERGRADUATE and age is not None and age < 15:
            yield r.issue(f"成员 {m.name}（{age} 岁）在校生状况为本科及以上，年龄不足15岁", index)


@rule("M011", "学龄前儿童文化程度不符", W, ("education", "schooling"))
def preschooler_education(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        preschooler = m.schooling == codes.Schooling.PRESCHOOL or (age is not None and age < 6)
        education = getattr(m, "education", "") or ""
        if preschooler and education not in ("", codes.Education.PRESCHOOL):
            yield r.issue(
                f"成员 {m.name}（{age} 岁）为学龄前儿童，"
                f"文化程度却为{_label(codes.Education, education)}",
                index,
            )


@rule("M012", "非残疾人填有残疾等级", E, ("health", "disability_grade"))
def grade_without_disability(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if m.disability_grade and m.health != codes.Health.DISABLED:
            yield r.issue(
                f"成员 {m.name} 健康状况为{_label(codes.Health, m.health)}，"
                f"却填有残疾等级 {m.disability_grade} 级",
                index,
            )


@rule("M013", "残疾人缺少残疾等级", E, ("health", "disability_grade"))
def disability_without_grade(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if m.health == codes.Health.DISABLED and not m.disability_grade:
            yield r.issue(f"成员 {m.name} 健康状况为残疾，未填写残疾等级", index)


@rule("M014", "未满16周岁标记为劳动力", W, ("labour", "birth_date"))
def child_labour(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        if m.labour in LABOUR_FORCE and age is not None and age < 16:
            yield r.issue(
                f"成员 {m.name}（{age} 岁）未满16周岁，劳动技能为{_label(codes.Labour, m.labour)}",
                index,
            )


@rule("M015", "75周岁以上标记为劳动力", W, ("labour", "birth_date"))
def elderly_labour(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        if m.labour in FULL_LABOUR and age is not None and age > 75:
            yield r.issue(
                f"成员 {m.name}（{age} 岁）超过75周岁，劳动技能为{_label(codes.Labour, m.labour)}",
                index,
            )


@rule("M016", "无劳动能力却有务工时间", W, ("labour", "employment_months"))
def no_labour_but_employed(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if m.labour in NO_LABOUR and (m.employment_months or 0) > 0:
            yield r.issue(
                f"成员 {m.name} 劳动技能为{_label(codes.Labour, m.labour)}，"
                f"务工时间却为 {m.employment_months} 个月",
                index,
            )


@rule("M017", "有务工时间缺少务工区域", W, ("employment_months", "employment_tier"))
def months_without_tier(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if (m.employment_months or 0) > 0 and not m.employment_tier:
            yield r.issue(f"成员 {m.name} 务工 {m.employment_months} 个月，未填写务工区域", index)


@rule("M018", "有务工区域缺少务工时间", W, ("employment_months", "employment_tier"))
def tier_without_months(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if m.employment_tier and not m.employment_months:
            tier = _label(codes.EmploymentTier, m.employment_tier)
            yield r.issue(f"成员 {m.name} 务工区域为{tier}，务工时间却为 0 个月", index)


@rule("M019", "未参加基本医疗保险", W, ("insured_medical",), "在册成员应参加城乡居民基本医疗保险")
def uninsured(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) not in ACTIVE:
        return
    for index, m in _current(b):
        if not m.insured_medical:
            yield r.issue(f"成员 {m.name} 未参加城乡居民基本医疗保险", index)


@rule("M020", "出生日期晚于当前日期", E, ("birth_date",))
def born_in_future(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if getattr(m, "birth_date", None) and m.birth_date > b.today:
            yield r.issue(f"成员 {m.name} 的出生日期晚于当前日期", index)


@rule("M021", "年龄超过110岁", W, ("birth_date",))
def too_old(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        age = _age(b, m)
        if age is not None and age > 110:
            yield r.issue(f"成员 {m.name} 年龄 {age} 岁，超过110岁，请核实是否已去世", index)


@rule("M022", "民族不在代码表中", E, ("ethnicity",), "民族应为 56 个民族之一")
def ethnicity_known(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if m.ethnicity not in codes.ETHNICITIES:
            yield r.issue(f"成员 {m.name} 的民族“{m.ethnicity}”不在民族代码表中", index)


@rule("M023", "离户成员缺少离户原因", W, ("left_on", "left_reason"))
def left_without_reason(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in enumerate(b.members):
        if getattr(m, "left_on", None) is not None and not getattr(m, "left_reason", ""):
            yield r.issue(f"成员 {m.name} 已于 {m.left_on} 离户，未填写离户原因", index)


@rule("M024", "已死亡或迁出成员仍计入在册", E, ("left_on", "left_reason"))
def departed_still_counted(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        reason = getattr(m, "left_reason", "") or ""
        if reason in codes.LEAVING_KINDS:
            yield r.issue(
                f"成员 {m.name} 的离户原因为{_label(codes.MemberChangeKind, reason)}，"
                "却未填写离户日期、仍计入在册人口",
                index,
            )


@rule("M025", "入户日期晚于离户日期", E, ("joined_on", "left_on"))
def joined_after_left(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in enumerate(b.members):
        joined, left = getattr(m, "joined_on", None), getattr(m, "left_on", None)
        if joined and left and joined > left:
            yield r.issue(f"成员 {m.name} 的入户日期 {joined} 晚于离户日期 {left}", index)


@rule("M026", "同时享受低保和特困供养", W, ("is_dibao", "is_tekun"), "特困供养人员不再享受低保")
def dibao_and_tekun(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if m.is_dibao and m.is_tekun:
            yield r.issue(f"成员 {m.name} 同时标记为享受低保和特困供养", index)


@rule("M027", "务工时间超过12个月", E, ("employment_months",))
def months_over_year(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        if (m.employment_months or 0) > 12:
            yield r.issue(f"成员 {m.name} 务工时间为 {m.employment_months} 个月，超过12个月", index)


@rule("M028", "残疾等级超出范围", E, ("disability_grade",), "残疾等级为 1 至 4 级")
def grade_range(r: Rule, b: Bundle) -> Iterator[Issue]:
    for index, m in _current(b):
        grade = m.disability_grade
        if grade is not None and not 1 <= grade <= 4:
            yield r.issue(f"成员 {m.name} 的残疾等级为 {grade}，应为1至4级", index)


@rule("M029", "已脱贫户有义务教育阶段辍学", W, ("status", "schooling"), "义务教育有保障")
def exited_with_dropout(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) != S.EXITED:
        return
    low, high = _school_ages(b)
    for index, m in _current(b):
        age = _age(b, m)
        if m.schooling == codes.Schooling.DROPOUT and age is not None and low <= age <= high:
            yield r.issue(f"已脱贫户成员 {m.name}（{age} 岁）义务教育阶段辍学", index)


@rule("M030", "已脱贫户有成员未参加医疗保险", W, ("status", "insured_medical"), "基本医疗有保障")
def exited_uninsured(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) != S.EXITED:
        return
    for index, m in _current(b):
        if not m.insured_medical:
            yield r.issue(f"已脱贫户成员 {m.name} 未参加城乡居民基本医疗保险", index)


# --- income (I) ------------------------------------------------------------------------------


@rule("I001", "收入金额为负数", E, tuple(AMOUNT_FIELDS))
def negative_amounts(r: Rule, b: Bundle) -> Iterator[Issue]:
    for inc in b.incomes:
        for name, label in AMOUNT_FIELDS.items():
            value = _dec(getattr(inc, name, 0))
            if value < 0:
                yield r.issue(f"{inc.year} 年{label}为 {_yuan(value)}，不能为负数")


@rule("I002", "收入计算人口与在册人口不一致", W, ("size",), "最近一年收入的计算人口数")
def income_size(r: Rule, b: Bundle) -> Iterator[Issue]:
    inc = _latest_income(b)
    n = len(b.current_members)
    if inc is not None and inc.size != n:
        yield r.issue(f"{inc.year} 年收入的计算人口数（{inc.size}）与在册成员数（{n}）不一致")


@rule("I003", "人均纯收入畸高", W, ("per_capita",), "人均纯收入超过 100000 元")
def per_capita_absurd(r: Rule, b: Bundle) -> Iterator[Issue]:
    for inc in b.incomes:
        pc = _per_capita(inc)
        if pc is not None and pc > PER_CAPITA_CEILING:
            yield r.issue(f"{inc.year} 年人均纯收入 {_yuan(pc)}，超过 {_yuan(PER_CAPITA_CEILING)}")


@rule("I004", "家庭收入为零", W, tuple(INCOME_FIELDS))
def zero_income(r: Rule, b: Bundle) -> Iterator[Issue]:
    for inc in b.incomes:
        if _gross(inc) == 0:
            yield r.issue(f"{inc.year} 年家庭各项收入均为 0，请核实")


@rule("I005", "生产经营性支出超过其收入", W, ("business", "production_costs"))
def costs_exceed_business(r: Rule, b: Bundle) -> Iterator[Issue]:
    for inc in b.incomes:
        costs, business = _dec(inc.production_costs), _dec(inc.business)
        if costs > business:
            yield r.issue(
                f"{inc.year} 年生产经营性支出 {_yuan(costs)} 超过生产经营性收入 {_yuan(business)}"
            )


@rule("I006", "脱贫当年人均纯收入低于贫困标准", W, ("status", "exit_year", "per_capita"))
def exited_below_line(r: Rule, b: Bundle) -> Iterator[Issue]:
    year = b.household.exit_year
    if _status(b) != S.EXITED or not year or b.poverty_line is None:
        return
    inc = next((i for i in b.incomes if i.year == year), None)
    pc = _per_capita(inc) if inc is not None else None
    if pc is not None:
        line = b.poverty_line(year)
        if pc < line:
            yield r.issue(f"{year} 年脱贫，当年人均纯收入 {_yuan(pc)} 低于贫困标准 {_yuan(line)}")


@rule("I007", "收入年度晚于当前年度", E, ("year",))
def income_in_future(r: Rule, b: Bundle) -> Iterator[Issue]:
    for inc in b.incomes:
        if inc.year > b.today.year:
            yield r.issue(f"收入年度 {inc.year} 晚于当前年度 {b.today.year}")


@rule("I008", "未脱贫户人均纯收入高于监测标准", W, ("status", "per_capita"))
def poor_above_monitoring_line(r: Rule, b: Bundle) -> Iterator[Issue]:
    inc = _latest_income(b)
    if _status(b) != S.POOR or inc is None or b.monitoring_line is None:
        return
    pc = _per_capita(inc)
    line = b.monitoring_line(inc.year)
    if pc is not None and pc > line:
        yield r.issue(f"未脱贫户 {inc.year} 年人均纯收入 {_yuan(pc)} 高于监测标准 {_yuan(line)}")


@rule("I009", "有低保金但无享受低保成员", W, ("transfer_dibao", "is_dibao"))
def dibao_money_without_member(r: Rule, b: Bundle) -> Iterator[Issue]:
    if any(m.is_dibao for m in b.current_members):
        return
    for inc in b.incomes:
        amount = _dec(inc.transfer_dibao)
        if amount > 0:
            yield r.issue(f"{inc.year} 年有低保金 {_yuan(amount)}，但没有成员标记为享受低保")


@rule("I010", "收入计算人口为零", E, ("size",))
def income_size_zero(r: Rule, b: Bundle) -> Iterator[Issue]:
    for inc in b.incomes:
        if (inc.size or 0) < 1:
            yield r.issue(f"{inc.year} 年收入的计算人口数为 {inc.size or 0}，无法计算人均纯收入")


# --- living conditions (L) -------------------------------------------------------------------


def _dangerous(b: Bundle) -> bool:
    h = b.household
    return h.housing_grade in codes.DANGEROUS_GRADES and not getattr(h, "housing_rebuilt", False)


@rule("L001", "土地面积为负数", E, tuple(LAND_FIELDS))
def negative_land(r: Rule, b: Bundle) -> Iterator[Issue]:
    for name, label in LAND_FIELDS.items():
        value = getattr(b.household, name, None)
        if value is not None and _dec(value) < 0:
            yield r.issue(f"{label}为 {value} 亩，不能为负数")


@rule("L002", "有效灌溉面积大于耕地面积", W, ("irrigated_land", "arable_land"))
def irrigated_over_arable(r: Rule, b: Bundle) -> Iterator[Issue]:
    h = b.household
    if h.irrigated_land is not None and _dec(h.irrigated_land) > _dec(h.arable_land):
        yield r.issue(f"有效灌溉面积 {h.irrigated_land} 亩大于耕地面积 {h.arable_land or 0} 亩")


@rule("L003", "人均住房面积异常", W, ("housing_area",), "人均住房面积小于 5 或大于 200 平方米")
def housing_per_person(r: Rule, b: Bundle) -> Iterator[Issue]:
    area, n = b.household.housing_area, len(b.current_members)
    if area is None or n == 0 or _dec(area) <= 0:
        return
    per_person = (_dec(area) / n).quantize(Decimal("0.1"))
    if not MIN_AREA_PER_PERSON <= per_person <= MAX_AREA_PER_PERSON:
        yield r.issue(f"住房面积 {area} 平方米、{n} 人，人均 {per_person} 平方米，明显异常")


@rule("L004", "饮水困难与饮水安全矛盾", E, ("water_difficulty", "water_safe"))
def water_contradiction(r: Rule, b: Bundle) -> Iterator[Issue]:
    if b.household.water_difficulty and b.household.water_safe:
        yield r.issue("同时标记为饮水困难和饮水安全，二者矛盾")


@rule("L005", "已脱贫户住房为危房", W, ("status", "housing_grade", "housing_rebuilt"))
def exited_dangerous_housing(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) == S.EXITED and _dangerous(b):
        grade = _label(codes.HousingGrade, b.household.housing_grade)
        yield r.issue(f"已脱贫户住房安全等级为{grade}，且未完成危房改造（住房安全有保障）")


@rule("L006", "已脱贫户饮水不安全", W, ("status", "water_safe"))
def exited_unsafe_water(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) == S.EXITED and not b.household.water_safe:
        yield r.issue("已脱贫户饮水不安全（饮水安全有保障）")


@rule("L007", "在册贫困户住房为危房", W, ("status", "housing_grade", "housing_rebuilt"))
def poor_dangerous_housing(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) in (S.POOR, S.RETURNED) and _dangerous(b):
        grade = _label(codes.HousingGrade, b.household.housing_grade)
        yield r.issue(f"住房安全等级为{grade}，尚未完成危房改造")


@rule("L008", "搬迁户出行条件异常", W, ("is_relocated", "road_distance_km", "road_surface"))
def relocated_remote(r: Rule, b: Bundle) -> Iterator[Issue]:
    h = b.household
    if not h.is_relocated:
        return
    distance = h.road_distance_km
    if h.road_surface == codes.RoadSurface.NONE:
        yield r.issue("易地扶贫搬迁户的入户路为未通路，请核实搬迁安置情况")
    elif distance is not None and _dec(distance) > RELOCATED_MAX_ROAD_KM:
        yield r.issue(
            f"易地扶贫搬迁户距村主干路 {distance} 公里，超过 {RELOCATED_MAX_ROAD_KM} 公里"
        )


@rule("L009", "已脱贫户未通生活用电", W, ("status", "domestic_power"))
def exited_without_power(r: Rule, b: Bundle) -> Iterator[Issue]:
    if _status(b) == S.EXITED and not b.household.domestic_power:
        yield r.issue("已脱贫户未通生活用电")


@rule("L010", "距主干路距离为负数", E, ("road_distance_km",))
def negative_distance(r: Rule, b: Bundle) -> Iterator[Issue]:
    distance = b.household.road_distance_km
    if distance is not None and _dec(distance) < 0:
        yield r.issue(f"距村主干路距离为 {distance} 公里，不能为负数")


@rule("L011", "住房面积为负数", E, ("housing_area",))
def negative_housing_area(r: Rule, b: Bundle) -> Iterator[Issue]:
    area = b.household.housing_area
    if area is not None and _dec(area) < 0:
        yield r.issue(f"住房面积为 {area} 平方米，不能为负数")
