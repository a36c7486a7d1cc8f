"""The CJK font every PDF draws with.

A TrueType font found on the machine is embedded, so the file prints the same everywhere;
without one, reportlab's built-in STSong-Light CID font is used (not embedded: the reader
supplies the glyphs).
"""

from __future__ import annotations

import functools
import glob
import re

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

PREFERRED_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_PATTERN = re.compile(r"wqy|noto.*cjk|droid.*fallback", re.IGNORECASE)
FALLBACK_CID_FONT = "STSong-Light"
EMBEDDED_NAME = "FupinCJK"


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
    """Register and return the CJK font used for every text of every PDF."""
    for path in _candidates():
        try:
            font = (
                TTFont(EMBEDDED_NAME, path, subfontIndex=0)
                if path.endswith(".ttc")
                else TTFont(EMBEDDED_NAME, path)
            )
        except Exception:  # noqa: S112 - missing or unsupported file: try the next one
            continue
        pdfmetrics.registerFont(font)
        return EMBEDDED_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT
