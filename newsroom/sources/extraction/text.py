"""Text forms: the comparison form (`normalize_text`, used for ids and votes), the stored form
(`clean_text`, keeps no-break spaces) and the characters lxml refuses."""

from __future__ import annotations

import re
import unicodedata

WS_NO_NBSP = re.compile(r"[ \t\n\r\f\v\u2028\u2029\u200b\u3000]+")
_ANY_WS = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    """The comparison form of text: NFC, no soft hyphens, every whitespace run one space."""
    value = unicodedata.normalize("NFC", value).replace("\u00ad", "")
    return _ANY_WS.sub(" ", value).strip()


def clean_text(value: str) -> str:
    """Stored form: like `normalize_text` but a run containing a no-break space stays one.

    No-break spaces carry meaning in Russian/Belarusian typography ("1 390 рублей",
    "100 ₽"); translators and the number checks want to see them.
    """
    value = unicodedata.normalize("NFC", value).replace("\u00ad", "")

    def collapse(match: re.Match[str]) -> str:
        return "\u00a0" if "\u00a0" in match.group(0) else " "

    value = re.sub(r"[\s\u00a0]+", collapse, value)
    return value.strip(" \u00a0")


# Characters lxml refuses in text (XML 1.0 forbids them): C0 controls but tab/LF/CR, and the
# non-characters U+FFFE/U+FFFF. One U+001D in a page must not lose the page.
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")


def strip_controls(text: str) -> str:
    return _XML_INCOMPATIBLE.sub("", text.replace("\x0c", " "))
