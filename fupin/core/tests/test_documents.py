"""The document kit: the CJK font, A4 pages with numbered footers, paragraphs, the .docx writer."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.dom.minidom import parseString

import reportlab
from pypdf import PdfReader
from reportlab.lib.units import mm

from fupin.core.documents import cn_date, docx, fonts
from fupin.core.documents.pdf import LIST_MARGINS, page_footer, para, render, styles

VERA = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")


def _two_pages() -> bytes:
    st = styles(size=11, leading=17, body_after=6)
    story = [para(f"第{i}条 精准扶贫，精准脱贫。" * 4, st["body"]) for i in range(60)]
    return render(
        story,
        margins=LIST_MARGINS,
        title="测试",
        author="射洪市",
        subject="T-1",
        on_page=page_footer("T-1  打印日期 2026-03-01", margins=LIST_MARGINS),
    )


def test_every_page_carries_its_number_and_the_footer_text():
    reader = PdfReader(io.BytesIO(_two_pages()))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"第 {number} 页" in text and "打印日期 2026-03-01" in text
    assert reader.metadata is not None and reader.metadata.title == "测试"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == (210, 297)


def test_the_cjk_font_found_is_the_one_drawn_with():
    content = _two_pages()
    if fonts.font_name() == fonts.EMBEDDED_NAME:
        assert b"/FontFile2" in content  # a TrueType font found on the machine: embedded
    else:
        assert fonts.FALLBACK_CID_FONT.encode() in content and b"/FontFile2" not in content


def test_a_truetype_font_is_registered_and_embedded(monkeypatch):
    monkeypatch.setattr(fonts, "_candidates", lambda: ["/nonexistent/font.ttc", VERA])
    fonts.font_name.cache_clear()
    try:
        assert fonts.font_name() == fonts.EMBEDDED_NAME
        content = _two_pages()
    finally:
        fonts.font_name.cache_clear()
    assert b"/FontFile2" in content and fonts.FALLBACK_CID_FONT.encode() not in content


def test_paragraphs_are_plain_text():
    st = styles(size=12, leading=20, body_after=4)
    assert st["body"].firstLineIndent == 24 and st["base"].wordWrap == "CJK"
    # Without breaks a line break is only white space, as reportlab reads it.
    assert para("材料 & <b>\n第二行", st["base"]).text == "材料 &amp; &lt;b&gt; 第二行"
    assert para("a\nb", st["base"], breaks=True).text == "a<br/>b"
    assert para(None, st["base"]).text == ""


def test_cn_date():
    assert cn_date(dt.date(2026, 3, 1)) == "2026年3月1日"


def test_docx_is_a_word_package_with_its_text_escaped():
    body = [
        docx.para("督办通知书", align="center", size=44, bold=True, color="C00000"),
        docx.para("第一行\n第二行", indent=True),
        docx.table([("整改要求", "上传证明 & <材料>")]),
    ]
    content = docx.package(docx.document_xml(body))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
        }
        xml = archive.read("word/document.xml").decode()
    document = parseString(xml.encode())  # noqa: S318 - the XML we just wrote
    texts = [
        "".join(n.nodeValue or "" for n in t.childNodes)
        for t in document.getElementsByTagName("w:t")
    ]
    assert texts[:3] == ["督办通知书", "第一行", "第二行"]
    assert "上传证明 & <材料>" in texts and len(document.getElementsByTagName("w:br")) == 1
    size = document.getElementsByTagName("w:pgSz")[0]
    assert (size.getAttribute("w:w"), size.getAttribute("w:h")) == ("11906", "16838")  # A4
