"""Word documents (.docx): Office Open XML written directly with zipfile, no extra dependency.

A document module builds its body from `para` and `table` (WordprocessingML strings, text
escaped) and packages it with `package(document_xml(parts))`: one A4 section in SimSun.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

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

# A4 in twentieths of a point, one-inch margins.
SECTION = (
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
    '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" '
    'w:footer="992" w:gutter="0"/></w:sectPr>'
)


def run(text: str, *, size: int = 24, bold: bool = False, color: str = "") -> str:
    """A run of text; `size` in half-points (24 = 12 pt), `color` as RRGGBB."""
    props = FONT + ("<w:b/>" if bold else "") + (f'<w:color w:val="{color}"/>' if color else "")
    props += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(
    text: str, *, align: str = "", indent: bool = False, size: int = 24, bold: bool = False,
    color: str = "",
) -> str:  # fmt: skip
    """A paragraph; the text's line breaks are kept, `indent` indents the first line two
    characters, `align` is a `w:jc` value (center, right)."""
    props = ""
    if align:
        props += f'<w:jc w:val="{align}"/>'
    if indent:
        props += '<w:ind w:firstLineChars="200" w:firstLine="480"/>'
    runs = "".join(
        ("<w:r><w:br/></w:r>" if i else "") + run(line, size=size, bold=bold, color=color)
        for i, line in enumerate(text.split("\n"))
    )
    return f'<w:p><w:pPr>{props}<w:spacing w:after="120"/></w:pPr>{runs}</w:p>'


def table(rows: Sequence[tuple[str, str]]) -> str:
    """A bordered key-value table across the page, the keys in bold."""
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
            f'<w:tr><w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>{para(key, size=21, bold=True)}</w:tc>'
            f'<w:tc><w:tcPr><w:tcW w:w="7000" w:type="dxa"/></w:tcPr>{para(value, size=21)}</w:tc></w:tr>'
        )
    return f"<w:tbl>{head}{body}</w:tbl>"


def document_xml(parts: Sequence[str]) -> str:
    """`word/document.xml`: the parts as the body of one A4 section."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{"".join(parts)}{SECTION}</w:body></w:document>'
    )


def package(document: str) -> bytes:
    """The .docx file around a `word/document.xml`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()
