"""The .xlsx files of imports: the per-row error report and the blank template."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone

from fupin.core import codelists, exports, idnumber
from fupin.registry import codes

from .layout import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    Column,
    Kind,
    headers,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_HEADERS = ["工作表", "行号", "列", "值", "规则/错误代码", "说明"]


def write_error_report(target: IO[bytes] | str, rows: Iterable[tuple[Any, ...]]) -> int:
    """Stream (sheet, row, column, value, code, message) rows into an .xlsx; returns the count."""
    book = exports.workbook(target, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet("错误报告")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2"})
    for i, width in enumerate((10, 8, 20, 24, 14, 80)):
        sheet.set_column(i, i, width)
    sheet.write_row(0, 0, REPORT_HEADERS, bold)
    n = 0
    for n, row in enumerate(rows, start=1):
        # Excel caps a sheet at 1,048,576 rows; beyond that the count in the job says how many.
        if n >= 1_048_575:
            break
        sheet.write_row(n, 0, ["" if v is None else v for v in row])
    sheet.freeze_panes(1, 0)
    book.close()
    return n


def _example_household(county_code: str, village_code: str) -> dict[str, str]:
    return {
        "户编号": f"{village_code}001",
        "村代码": village_code,
        "户主姓名": "张大山",
        "联系电话": "13800000000",
        "贫困户属性": codes.Attribute.GENERAL.label,
        "识别标准": codes.Standard.NATIONAL.label,
        "识别年度": "2014",
        "主要致贫原因": codes.Cause.ILLNESS.label,
        "其他致贫原因": f"{codes.Cause.NO_SKILLS.label}、{codes.Cause.NO_CAPITAL.label}",
        "贫困户状态": codes.Status.POOR.label,
        "家庭人口数": "3",
        "易地扶贫搬迁户": "否",
        "军烈属": "否",
        "耕地面积（亩）": "2.5",
        "通生产用电": "是",
        "通生活用电": "是",
        "入户路类型": codes.RoadSurface.HARDENED.label,
        "住房面积（平方米）": "80",
        "住房安全等级": codes.HousingGrade.B.label,
        "饮水安全": "是",
        "主要燃料类型": codes.Fuel.FIREWOOD.label,
        "收入年度": str(timezone.localdate().year - 1),
        "工资性收入": "12000",
        "生产经营性收入": "3000",
        "低保金": "0",
        "生产经营性支出": "1000",
    }


def example_members(county_code: str, household_no: str) -> list[dict[str, str]]:
    people = [
        ("张大山", "户主", dt.date(1970, 3, 1), 1, "初中", "非在校生"),
        ("李秀兰", "配偶", dt.date(1972, 5, 9), 2, "小学", "非在校生"),
        ("张小明", "之子", dt.date(2012, 9, 1), 3, "小学", "初中"),
    ]
    rows = []
    for name, relation, born, seq, education, schooling in people:
        number = idnumber.make(county_code, born, seq)
        rows.append(
            {
                "户编号": household_no,
                "姓名": name,
                "身份证号": number,
                "性别": "男" if seq % 2 else "女",
                "出生日期": born.isoformat(),
                "与户主关系": relation,
                "民族": "汉族",
                "政治面貌": codes.PoliticalStatus.MASSES.label,
                "文化程度": education,
                "在校生状况": schooling,
                "健康状况": codes.Health.HEALTHY.label,
                "劳动技能": codes.Labour.ORDINARY.label if seq < 3 else codes.Labour.NONE.label,
                "参加城乡居民基本医疗保险": "是",
            }
        )
    return rows


def _hint(column: Column) -> str:
    if column.kind in (Kind.CODE, Kind.CODES) and column.choices is not None:
        labels = "、".join(label for _, label in codelists.active_choices(column.choices))
        return ("可填多项，用顿号分隔：" if column.kind is Kind.CODES else "可填：") + labels
    return {
        Kind.BOOL: "是/否",
        Kind.DATE: "YYYY-MM-DD",
        Kind.INT: "整数",
        Kind.DECIMAL: "数字",
        Kind.ID: "18位身份证号",
    }.get(column.kind, "")


def template_xlsx(village_code: str = "510981000000") -> bytes:
    """The import template: both sheets with their headers (with value hints as comments) and
    one example household whose ID numbers pass the check digit."""
    county_code = village_code[:6]
    out = io.BytesIO()
    book = exports.workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = book.add_format({"num_format": "@"})
    household = _example_household(county_code, village_code)
    members = example_members(county_code, household["户编号"])
    for name, columns, rows in (
        (HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS, [household]),
        (MEMBER_SHEET, MEMBER_COLUMNS, members),
    ):
        sheet = book.add_worksheet(name)
        for i, column in enumerate(columns):
            sheet.set_column(i, i, max(10, len(column.header) * 2 + 2), text)
            sheet.write_string(0, i, column.header, required if column.required else head)
            hint = _hint(column)
            if column.required:
                hint = ("必填。" + hint).rstrip("。")
            if hint:
                sheet.write_comment(0, i, hint)
        for r, row in enumerate(rows, start=1):
            for i, h in enumerate(headers(columns)):
                sheet.write_string(r, i, row.get(h, ""))
        sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
