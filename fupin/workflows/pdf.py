"""The printable notice (公示/公告) as an A4 PDF, for the village board and the public page.

Only the masked lines frozen on the entries (`NoticeEntry.published`, SPEC §10) are printed:
never a full ID number or a phone. Chinese needs a CJK font: a TrueType one found on the
machine is embedded (so the file prints the same everywhere); without one, reportlab's
built-in STSong-Light CID font is used (not embedded: the reader supplies the glyphs).
"""

from __future__ import annotations

import datetime as dt
import functools
import glob
import io
import re
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Notice

PREFERRED_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_PATTERN = re.compile(r"wqy|noto.*cjk|droid.*fallback", re.IGNORECASE)
FALLBACK_CID_FONT = "STSong-Light"

# Optional columns: key in the published line → header.
EXTRA_COLUMNS = [
    ("per_capita", "人均纯收入（元）"),
    ("incidence", "贫困发生率"),
    ("category", "监测类别"),
]


def _candidates() -> list[str]:
    found = [PREFERRED_FONT]
    for root in FONT_DIRS:
        for ext in ("ttc", "ttf"):
            found += sorted(
                path
                for path in glob.glob(f"{root}/**/*.{ext}", recursive=True)
                if FONT_PATTERN.search(path.rsplit("/", 1)[-1])
            )
    return list(dict.fromkeys(found))


@functools.cache
def font_name() -> str:
    """Register and return the CJK font used for every text of the PDF."""
    for path in _candidates():
        try:
            font = (
                TTFont("FupinCJK", path, subfontIndex=0)
                if path.endswith(".ttc")
                else TTFont("FupinCJK", path)
            )
        except Exception:  # noqa: S112 - missing or unsupported file: try the next one
            continue
        pdfmetrics.registerFont(font)
        return "FupinCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4
        ),
        "sub": ParagraphStyle(
            "sub", parent=base, fontSize=9, leading=13, alignment=TA_CENTER, textColor=colors.grey
        ),
        "body": ParagraphStyle("body", parent=base, firstLineIndent=22, spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "base": base,
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), style)


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _rows(
    notice: Notice, styles: dict[str, ParagraphStyle]
) -> tuple[list[list[Any]], list[float], int]:
    entries = list(notice.entries.order_by("id"))
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
    rows: list[list[Any]] = [[_p(h, styles["head"]) for h in header]]
    for i, entry in enumerate(entries, start=1):
        line = entry.published
        if entry.withdrawn:
            row: list[Any] = [_p(i, styles["cell"]), _p("（已撤出公示）", styles["cell"])]
            row += [""] * (len(header) - 2)
        else:
            row = [_p(i, styles["cell"]), _p(line.get("region", ""), styles["cell"])]
            if has_household:
                row += [
                    _p(line.get("head", ""), styles["cell"]),
                    _p(line.get("id", ""), styles["cell"]),
                    _p(line.get("size", ""), styles["cell"]),
                ]
            row += [_p(line.get(key, ""), styles["cell"]) for key, _label in extras]
        rows.append(row)
    return rows, widths, len(lines)


def notice_pdf(notice: Notice, *, today: dt.date | None = None) -> bytes:
    """The notice as A4 pages; the table header repeats on every page."""
    today = today or timezone.localdate()
    font = font_name()
    styles = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=notice.title,
        author=notice.region.name,
        subject=notice.notice_no,
    )
    rows, widths, count = _rows(notice, styles)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    contact = notice.contact or "________________"
    story: list[Any] = [
        _p(notice.title, styles["title"]),
        _p(f"编号：{notice.notice_no}", styles["sub"]),
        Spacer(1, 6 * mm),
        _p(notice.body, styles["body"]),
        _p(
            f"公示时间：{_date(notice.start_date)}至{_date(notice.end_date)}"
            f"（共{(notice.end_date - notice.start_date).days + 1}天）",
            styles["body"],
        ),
        _p(f"公示名单（共 {count} 户/个）：", styles["base"]),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 5 * mm),
        _p(f"监督电话/联系人：{contact}", styles["base"]),
        _p(
            "说明：名单中姓名、身份证号已作脱敏处理；对名单如有异议，请在公示期内反映。",
            styles["base"],
        ),
        Spacer(1, 12 * mm),
        _p(f"{notice.region.name}（盖章）", styles["right"]),
        _p(_date(notice.start_date), styles["right"]),
    ]

    def footer(canvas: Canvas, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(15 * mm, 10 * mm, f"{notice.notice_no}  打印日期 {today:%Y-%m-%d}")
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"第 {doc_.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
