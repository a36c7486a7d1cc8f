"""The 督办通知书 of an alert as a printable A4 PDF (reportlab, the CJK font of the notices'
PDFs) and as a Word document (.docx, Office Open XML written directly: no extra dependency).

Both carry the same text: title, 文号, 责任单位, 督办事项, the evidence the rule found, 整改要求,
整改期限, the issuing unit with the date and the stamp place. Personal data never goes beyond
the alert's own label (a name and a household number); no ID number or phone is printed.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fupin.core.rules import RULES
from fupin.workflows.pdf import font_name

from .models import SupervisionNotice

TITLE = "督办通知书"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class NoticeText:
    """The words of a notice, shared by the PDF and the Word document."""

    notice_no: str
    unit: str
    rule: str
    subject: str
    content: str
    evidence: list[tuple[str, str]]
    requirement: str
    deadline: str
    issuer: str
    issued_on: str

    @property
    def salutation(self) -> str:
        return f"{self.unit}："

    @property
    def opening(self) -> str:
        return (
            f"经监管预警监测发现，你单位负责的以下事项存在问题，现予督办。"
            f"请于{self.deadline}前完成整改，并将整改情况及佐证材料报送{self.issuer}。"
        )


def notice_text(notice: SupervisionNotice) -> NoticeText:
    alert = notice.alert
    rule = RULES.get(alert.rule_code)
    return NoticeText(
        notice_no=notice.notice_no,
        unit=notice.unit_name,
        rule=f"{alert.rule_code} {rule.name}" if rule else alert.rule_code,
        subject=alert.subject_label,
        content=notice.content,
        evidence=[(str(k), str(v)) for k, v in (alert.evidence or {}).items()],
        requirement=notice.requirement,
        deadline=cn_date(notice.deadline),
        issuer=notice.issuer_name,
        issued_on=cn_date(notice.issued_on),
    )


# --- PDF ------------------------------------------------------------------------------------------


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontSize=22,
            leading=30,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#c00000"),
        ),
        "no": ParagraphStyle("no", parent=base, alignment=TA_CENTER, fontSize=11),
        "body": ParagraphStyle("body", parent=base, firstLineIndent=24, spaceAfter=4),
        "head": ParagraphStyle("head", parent=base, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "base": base,
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def notice_pdf(notice: SupervisionNotice) -> bytes:
    text = notice_text(notice)
    font = font_name()
    styles = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=TITLE,
        author=text.issuer,
        subject=text.notice_no,
    )
    facts = [
        ["责任单位", text.unit],
        ["预警规则", text.rule],
        ["预警对象", text.subject],
        ["整改期限", text.deadline],
    ]
    fact_table = Table(
        [[_p(k, styles["cell"]), _p(v, styles["cell"])] for k, v in facts],
        colWidths=[30 * mm, 130 * mm],
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    fact_table.setStyle(grid)
    story: list[Any] = [
        _p(TITLE, styles["title"]),
        Spacer(1, 2 * mm),
        _p(text.notice_no, styles["no"]),
        Spacer(1, 2 * mm),
        Table(
            [[""]],
            colWidths=[160 * mm],
            style=[("LINEABOVE", (0, 0), (-1, 0), 1.5, colors.HexColor("#c00000"))],
        ),
        Spacer(1, 4 * mm),
        _p(text.salutation, styles["base"]),
        _p(text.opening, styles["body"]),
        Spacer(1, 2 * mm),
        fact_table,
        _p("一、督办事项", styles["head"]),
        _p(text.content, styles["body"]),
        _p("二、预警依据", styles["head"]),
    ]
    if text.evidence:
        evidence = Table(
            [[_p(k, styles["cell"]), _p(v, styles["cell"])] for k, v in text.evidence],
            colWidths=[40 * mm, 120 * mm],
        )
        evidence.setStyle(grid)
        story.append(evidence)
    else:
        story.append(_p("（无）", styles["body"]))
    story += [
        _p("三、整改要求", styles["head"]),
        _p(text.requirement, styles["body"]),
        _p("四、整改期限", styles["head"]),
        _p(
            f"请于{text.deadline}前整改到位。逾期未整改的，将升级督办并按规定追责问责。",
            styles["body"],
        ),
        Spacer(1, 16 * mm),
        _p(f"{text.issuer}（盖章）", styles["right"]),
        _p(text.issued_on, styles["right"]),
    ]
    doc.build(story)
    return buffer.getvalue()


# --- Word (.docx) ---------------------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FONT = '<w:rFonts w:ascii="SimSun" w:hAnsi="SimSun" w:eastAsia="SimSun"/>'


def _run(text: str, *, size: int = 24, bold: bool = False, color: str = "") -> str:
    props = FONT + ("<w:b/>" if bold else "") + (f'<w:color w:val="{color}"/>' if color else "")
    props += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(
    text: str, *, align: str = "", indent: bool = False, size: int = 24, bold: bool = False,
    color: str = "",
) -> str:  # fmt: skip
    props = ""
    if align:
        props += f'<w:jc w:val="{align}"/>'
    if indent:
        props += '<w:ind w:firstLineChars="200" w:firstLine="480"/>'
    runs = "".join(
        ("<w:r><w:br/></w:r>" if i else "") + _run(line, size=size, bold=bold, color=color)
        for i, line in enumerate(text.split("\n"))
    )
    return f'<w:p><w:pPr>{props}<w:spacing w:after="120"/></w:pPr>{runs}</w:p>'


def _table(rows: list[tuple[str, str]]) -> str:
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(
        border.format(b) for b in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    head = (
        f'<w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>{borders}</w:tblBorders></w:tblPr>'
        '<w:tblGrid><w:gridCol w:w="2000"/><w:gridCol w:w="7000"/></w:tblGrid>'
    )
    body = ""
    for key, value in rows:
        body += (
            f'<w:tr><w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>{_para(key, size=21, bold=True)}</w:tc>'
            f'<w:tc><w:tcPr><w:tcW w:w="7000" w:type="dxa"/></w:tcPr>{_para(value, size=21)}</w:tc></w:tr>'
        )
    return f"<w:tbl>{head}{body}</w:tbl>"


def document_xml(text: NoticeText) -> str:
    parts = [
        _para(TITLE, align="center", size=44, bold=True, color="C00000"),
        _para(text.notice_no, align="center"),
        _para(text.salutation),
        _para(text.opening, indent=True),
        _table(
            [
                ("责任单位", text.unit),
                ("预警规则", text.rule),
                ("预警对象", text.subject),
                ("整改期限", text.deadline),
            ]
        ),
        _para("一、督办事项", bold=True),
        _para(text.content, indent=True),
        _para("二、预警依据", bold=True),
        _table(text.evidence) if text.evidence else _para("（无）", indent=True),
        _para("三、整改要求", bold=True),
        _para(text.requirement, indent=True),
        _para("四、整改期限", bold=True),
        _para(
            f"请于{text.deadline}前整改到位。逾期未整改的，将升级督办并按规定追责问责。",
            indent=True,
        ),
        _para(""),
        _para(f"{text.issuer}（盖章）", align="right"),
        _para(text.issued_on, align="right"),
    ]
    section = (
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" '
        'w:footer="992" w:gutter="0"/></w:sectPr>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{"".join(parts)}{section}</w:body></w:document>'
    )


def notice_docx(notice: SupervisionNotice) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document_xml(notice_text(notice)))
    return buffer.getvalue()
