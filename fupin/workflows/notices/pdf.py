"""The printable notice (公示/公告) as an A4 PDF, for the village board and the public page.

Only the masked lines frozen on the entries (`NoticeEntry.published`, SPEC §10) are printed:
never a full ID number or a phone. The font, page setup, grid and footer come from
`fupin.core.documents`; this module holds the notice's words, columns and layout.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from fupin.core.documents import cn_date
from fupin.core.documents.pdf import (
    HEADER_ROW,
    LIST_MARGINS,
    grid,
    page_footer,
    para,
    render,
    styles,
)
from fupin.workflows.notices.models import Notice, NoticeEntry

# Optional columns: key in the published line → header.
EXTRA_COLUMNS = [
    ("per_capita", "人均纯收入（元）"),
    ("incidence", "贫困发生率"),
    ("category", "监测类别"),
]


def _styles() -> dict[str, ParagraphStyle]:
    kit = styles(size=11, leading=17, body_after=6)
    base = kit["base"]
    return {
        **kit,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4
        ),
        "sub": ParagraphStyle(
            "sub", parent=base, fontSize=9, leading=13, alignment=TA_CENTER, textColor=colors.grey
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
    }


def _rows(
    entries: list[NoticeEntry], styles: dict[str, ParagraphStyle]
) -> tuple[list[list[Any]], list[float], int]:
    lines = [e.published for e in entries if not e.withdrawn]
    extras = [(key, label) for key, label in EXTRA_COLUMNS if any(key in ln for ln in lines)]
    has_household = any("head" in ln for ln in lines) or not lines
    header = ["序号", "村（社区）"]
    widths = [12 * mm, 38 * mm]
    if has_household:
        header += ["户主", "身份证号", "人口"]
        widths += [22 * mm, 42 * mm, 12 * mm]
    header += [label for _key, label in extras]
    free = 180 * mm - sum(widths)
    widths += [free / len(extras)] * len(extras) if extras else []
    if not extras:
        widths[1] += free
    cell = styles["cell"]
    rows: list[list[Any]] = [[para(h, styles["head"]) for h in header]]
    for i, entry in enumerate(entries, start=1):
        line = entry.published
        if entry.withdrawn:
            row: list[Any] = [para(i, cell), para("（已撤出公示）", cell)]
            row += [""] * (len(header) - 2)
        else:
            row = [para(i, cell), para(line.get("region", ""), cell)]
            if has_household:
                row += [
                    para(line.get("head", ""), cell),
                    para(line.get("id", ""), cell),
                    para(line.get("size", ""), cell),
                ]
            row += [para(line.get(key, ""), cell) for key, _label in extras]
        rows.append(row)
    return rows, widths, len(lines)


def notice_pdf(
    notice: Notice, *, entries: list[NoticeEntry] | None = None, today: dt.date | None = None
) -> bytes:
    """The notice as A4 pages; the table header repeats on every page. `entries` (the
    caller's part of a notice above their jurisdiction) replaces the whole list."""
    today = today or timezone.localdate()
    st = _styles()
    if entries is None:
        entries = list(notice.entries.order_by("id"))
    rows, widths, count = _rows(entries, st)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(grid(shade=HEADER_ROW, color="#eeeeee", padding=3))
    contact = notice.contact or "________________"
    story: list[Any] = [
        para(notice.title, st["title"]),
        para(f"编号：{notice.notice_no}", st["sub"]),
        Spacer(1, 6 * mm),
        para(notice.body, st["body"]),
        para(
            f"公示时间：{cn_date(notice.start_date)}至{cn_date(notice.end_date)}"
            f"（共{(notice.end_date - notice.start_date).days + 1}天）",
            st["body"],
        ),
        para(f"公示名单（共 {count} 户/个）：", st["base"]),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 5 * mm),
        para(f"监督电话/联系人：{contact}", st["base"]),
        para(
            "说明：名单中姓名、身份证号已作脱敏处理；对名单如有异议，请在公示期内反映。",
            st["base"],
        ),
        Spacer(1, 12 * mm),
        para(f"{notice.region.name}（盖章）", st["right"]),
        para(cn_date(notice.start_date), st["right"]),
    ]
    return render(
        story,
        margins=LIST_MARGINS,
        title=notice.title,
        author=notice.region.name,
        subject=notice.notice_no,
        on_page=page_footer(f"{notice.notice_no}  打印日期 {today:%Y-%m-%d}", margins=LIST_MARGINS),
    )
