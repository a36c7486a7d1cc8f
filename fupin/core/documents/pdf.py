"""A4 PDFs with reportlab: page setup, paragraph styles, grid tables and the page footer.

A document module builds its story (the flowables) from these pieces and hands it to
`render`; the words and the layout choices (sizes, column widths, what the footer says) stay
with the document.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from .fonts import font_name

PageCallback = Callable[[Canvas, Any], None]
CellRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class Margins:
    """Page margins in points (multiply millimetres by `mm`)."""

    left: float
    right: float
    top: float
    bottom: float


# Lists and tables (the public notice): a wide text block of 180 mm.
LIST_MARGINS = Margins(left=15 * mm, right=15 * mm, top=18 * mm, bottom=18 * mm)
# Letters (the 督办通知书): a 160 mm text block with wider white space.
LETTER_MARGINS = Margins(left=25 * mm, right=25 * mm, top=25 * mm, bottom=20 * mm)

# The cells a grid shades: the header row of a list, the key column of a key-value table.
HEADER_ROW: CellRange = ((0, 0), (-1, 0))
KEY_COLUMN: CellRange = ((0, 0), (0, -1))


def render(
    story: Sequence[Flowable],
    *,
    margins: Margins,
    title: str,
    author: str,
    subject: str,
    on_page: PageCallback | None = None,
) -> bytes:
    """Lay the story out on A4 pages; `on_page` draws on every page (a footer)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margins.left,
        rightMargin=margins.right,
        topMargin=margins.top,
        bottomMargin=margins.bottom,
        title=title,
        author=author,
        subject=subject,
    )
    if on_page is None:
        doc.build(list(story))
    else:
        doc.build(list(story), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def styles(*, size: float, leading: float, body_after: float) -> dict[str, ParagraphStyle]:
    """The styles every document starts from, in the CJK font with CJK line breaking:
    `base`, `body` (first line indented two characters) and `right` (signature, date).
    A document derives its own (`ParagraphStyle(name, parent=styles["base"], …)`)."""
    base = ParagraphStyle(
        "base", fontName=font_name(), fontSize=size, leading=leading, wordWrap="CJK"
    )
    return {
        "base": base,
        "body": ParagraphStyle(
            "body", parent=base, firstLineIndent=2 * size, spaceAfter=body_after
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


def para(text: Any, style: ParagraphStyle, *, breaks: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped: never markup); None prints as nothing. With
    `breaks`, the text's line breaks are kept."""
    markup = escape(str(text if text is not None else ""))
    return Paragraph(markup.replace("\n", "<br/>") if breaks else markup, style)


def grid(*, shade: CellRange, color: str, padding: float | None = None) -> TableStyle:
    """Thin black rules around every cell, `shade` cells on a light background, text
    vertically centred; `padding` sets the cells' top and bottom padding."""
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", *shade, colors.HexColor(color)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if padding is not None:
        commands += [
            ("TOPPADDING", (0, 0), (-1, -1), padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ]
    return TableStyle(commands)


def separator(width: float, *, color: str, thickness: float) -> Table:
    """A horizontal line across the text block (the red line under a 公文's header)."""
    return Table(
        [[""]],
        colWidths=[width],
        style=[("LINEABOVE", (0, 0), (-1, 0), thickness, colors.HexColor(color))],
    )


def page_footer(left: str, *, margins: Margins) -> PageCallback:
    """A grey footer line: `left` at the left margin, 「第 N 页」 at the right one."""
    font = font_name()

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(margins.left, 10 * mm, left)
        canvas.drawRightString(A4[0] - margins.right, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    return draw
