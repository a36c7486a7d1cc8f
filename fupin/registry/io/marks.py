"""How an exported registry file says that it is whole (issue 15: an interrupted export cannot
be mistaken for a whole one).

- CSV: the header row of an export ends with one extra cell, EXPORT_MARK (a hand-made file has
  no such cell), and the file's last line is the trailer `#导出完毕：共 N 户、M 人、R 行`, in the
  first column, written only after the last data row. A database error mid-stream writes
  `#导出失败：…` instead and the trailer never comes. The importer refuses a marked file
  whose trailer is missing (cut download), is a failure line, or whose counts disagree with
  the rows read (code T06); a file without the mark (written by hand) imports as before.
- xlsx: a third sheet 「说明」 states the same totals (the workbook is complete before it is
  sent; a cut .xlsx is a broken zip that no reader opens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPORT_MARK = "#系统导出文件（末行为导出完毕标记）"
TRAILER_PREFIX = "#导出完毕"
FAILED_PREFIX = "#导出失败"
TRAILER_RE = re.compile(r"^#导出完毕：共 (\d+) 户、(\d+) 人、(\d+) 行")
NOTE_SHEET = "说明"
INCOMPLETE_CODE = "T06"
INCOMPLETE = "文件不完整：缺少导出结束标记，可能下载中断，请重新导出"
FAILED = "文件不完整：导出时发生错误，文件末尾为“导出失败”标记，请重新导出"
MISMATCH = (
    "文件不完整：文件中有 {households} 户、{rows} 行数据，与导出结束标记"
    "（{expected_households} 户、{expected_rows} 行）不一致，可能被截断或删改，请重新导出；"
    "如确是有意修改过的导出文件，请删除表头最后的“#系统导出文件…”一列和末行的导出完毕标记后再导入"
)
EXPORT_FAILED_LINE = "#导出失败：导出过程中数据库连接中断，本文件不完整，请重新导出"


@dataclass(frozen=True)
class Totals:
    households: int
    members: int
    rows: int


def trailer(totals: Totals) -> str:
    return f"{TRAILER_PREFIX}：共 {totals.households} 户、{totals.members} 人、{totals.rows} 行"


def parse_trailer(cell: str) -> Totals | None:
    m = TRAILER_RE.match(cell.strip())
    if m is None:
        return None
    return Totals(int(m.group(1)), int(m.group(2)), int(m.group(3)))
