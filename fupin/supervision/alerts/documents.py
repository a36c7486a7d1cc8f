"""The 督办通知书 of an alert as a printable A4 PDF and as a Word document (.docx), both
through `fupin.core.documents` (the CJK font, page setup, grid tables, the OOXML writer).

Both carry the same text: title, 文号, 责任单位, 督办事项, the evidence the rule found, 整改要求,
整改期限, the issuing unit with the date and the stamp place. Personal data never goes beyond
the alert's own label (a name and a household number); no ID number or phone is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from fupin.core.documents import cn_date, docx
from fupin.core.documents.pdf import (
    KEY_COLUMN,
    LETTER_MARGINS,
    grid,
    para,
    render,
    separator,
    styles,
)
from fupin.core.rules import RULES
from fupin.supervision.alerts.models import SupervisionNotice

TITLE = "督办通知书"


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

RED = "C00000"  # the red of a 公文 header, RRGGBB


def _styles() -> dict[str, ParagraphStyle]:
    kit = styles(size=12, leading=20, body_after=4)
    base = kit["base"]
    return {
        **kit,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontSize=22,
            leading=30,
            alignment=TA_CENTER,
            textColor=colors.HexColor(f"#{RED}"),
        ),
        "no": ParagraphStyle("no", parent=base, alignment=TA_CENTER, fontSize=11),
        "head": ParagraphStyle("head", parent=base, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return para(text, style, breaks=True)


def _pairs(rows: list[tuple[str, str]], key_width: float, st: dict[str, ParagraphStyle]) -> Table:
    """A key-value table across the 160 mm text block."""
    table = Table(
        [[_p(k, st["cell"]), _p(v, st["cell"])] for k, v in rows],
        colWidths=[key_width * mm, (160 - key_width) * mm],
    )
    table.setStyle(grid(shade=KEY_COLUMN, color="#f0f0f0"))
    return table


def _facts(text: NoticeText) -> list[tuple[str, str]]:
    return [
        ("责任单位", text.unit),
        ("预警规则", text.rule),
        ("预警对象", text.subject),
        ("整改期限", text.deadline),
    ]


def _closing(text: NoticeText) -> str:
    return f"请于{text.deadline}前整改到位。逾期未整改的，将升级督办并按规定追责问责。"


def notice_pdf(notice: SupervisionNotice) -> bytes:
    text = notice_text(notice)
    st = _styles()
    story: list[Any] = [
        _p(TITLE, st["title"]),
        Spacer(1, 2 * mm),
        _p(text.notice_no, st["no"]),
        Spacer(1, 2 * mm),
        separator(160 * mm, color=f"#{RED}", thickness=1.5),
        Spacer(1, 4 * mm),
        _p(text.salutation, st["base"]),
        _p(text.opening, st["body"]),
        Spacer(1, 2 * mm),
        _pairs(_facts(text), 30, st),
        _p("一、督办事项", st["head"]),
        _p(text.content, st["body"]),
        _p("二、预警依据", st["head"]),
        _pairs(text.evidence, 40, st) if text.evidence else _p("（无）", st["body"]),
        _p("三、整改要求", st["head"]),
        _p(text.requirement, st["body"]),
        _p("四、整改期限", st["head"]),
        _p(_closing(text), st["body"]),
        Spacer(1, 16 * mm),
        _p(f"{text.issuer}（盖章）", st["right"]),
        _p(text.issued_on, st["right"]),
    ]
    return render(
        story, margins=LETTER_MARGINS, title=TITLE, author=text.issuer, subject=text.notice_no
    )


# --- Word (.docx) ---------------------------------------------------------------------------------


def document_xml(text: NoticeText) -> str:
    parts = [
        docx.para(TITLE, align="center", size=44, bold=True, color=RED),
        docx.para(text.notice_no, align="center"),
        docx.para(text.salutation),
        docx.para(text.opening, indent=True),
        docx.table(_facts(text)),
        docx.para("一、督办事项", bold=True),
        docx.para(text.content, indent=True),
        docx.para("二、预警依据", bold=True),
        docx.table(text.evidence) if text.evidence else docx.para("（无）", indent=True),
        docx.para("三、整改要求", bold=True),
        docx.para(text.requirement, indent=True),
        docx.para("四、整改期限", bold=True),
        docx.para(_closing(text), indent=True),
        docx.para(""),
        docx.para(f"{text.issuer}（盖章）", align="right"),
        docx.para(text.issued_on, align="right"),
    ]
    return docx.document_xml(parts)


def notice_docx(notice: SupervisionNotice) -> bytes:
    return docx.package(document_xml(notice_text(notice)))
