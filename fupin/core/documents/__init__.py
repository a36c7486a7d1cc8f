"""The one place for CJK document output: PDF (reportlab) and Word (.docx).

Domain modules (the public notice, the 督办通知书, and later household cards, handbooks and
bulletins) keep their words and layout choices and call this kit for what every document
shares:

- `fonts`: finding and registering the CJK font reportlab draws with (`font_name()`);
- `pdf`: A4 page setup with named margins, paragraph styles, escaped paragraphs, grid tables,
  the red separator line and the page footer with its page number;
- `docx`: the Office Open XML writer (written directly with zipfile: no extra dependency).
"""

from __future__ import annotations

import datetime as dt


def cn_date(day: dt.date) -> str:
    """A date the way official documents print it: 2026年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日"
