"""Clean pasted text: the invisible junk a word processor leaves, removed before it is stored.

:func:`text_clean` is pure and is applied by ``editing.translation_save`` to every text field
(title, lead, paragraphs, captions, alt text, reasons, notes, tags, byline, correction note),
so every route that saves text (the editor's form, its autosave, Submit, machine drafts, a
restore) stores the same clean text, and search, checks and the reader site see real words.

The rule:

- Soft hyphens (U+00AD) and zero-width characters (U+200B zero-width space, U+200C/U+200D
  zero-width non-joiner/joiner, U+2060 word joiner, U+FEFF byte-order mark) are removed:
  "para\\u00adsites" is stored as "parasites".
- A no-break space (U+00A0) or narrow no-break space (U+202F) is kept only where it is
  typographic: after a digit and before a non-space character (a number and its unit, sign or
  next thousands group: "5 km", "20 %", "1 200", "30 €") or after a currency sign before a digit
  ("€ 30"). Anywhere else it becomes a plain space. (French spacing before « » ; : ! ? is not
  treated specially: there it becomes a plain space.)
- A Word bullet at the start of a line ("•", "·" or "–" followed by a tab, after optional
  indentation) is removed with its tab, leaving the line's text.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_NO_BREAK = re.compile(r"(?<=(.))[\u00a0\u202f](?=(.))|[\u00a0\u202f]", re.DOTALL)
_BULLET = re.compile(r"^[ \t]*[•·–]\t+", re.MULTILINE)


def _no_break(match: re.Match[str]) -> str:
    before, after = match.group(1) or "", match.group(2) or ""
    if before.isdigit() and after and not after.isspace():
        return match.group(0)
    if before and unicodedata.category(before) == "Sc" and after.isdigit():
        return match.group(0)
    return " "


def text_clean(text: str) -> str:
    """``text`` without soft hyphens, zero-width characters and Word bullets, its no-break
    spaces plain except between a number and what belongs to it (see the module's rule)."""
    text = _INVISIBLE.sub("", text)
    text = _BULLET.sub("", text)
    return _NO_BREAK.sub(_no_break, text)
