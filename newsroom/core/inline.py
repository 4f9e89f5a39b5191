"""Inline markup through translation: a source paragraph's links and emphasis as numbered tokens.

A source block keeps its inline HTML beside its text (``block["html"]``). A translator works in
a plain textarea, so each inline element becomes a visible, movable token numbered in the order
the elements open in the paragraph::

    Читайте <a href="https://mfa.gov.by/x">заявление</a> <em>МИД</em>.
    Читайте [1]заявление[/1] [2]МИД[/2].

``[n]…[/n]`` wraps words; ``[n/]`` stands for an element without words. What each number stands
for (the tag and its safe attributes) is read again from the source's HTML whenever it is needed
(:func:`tokenize`, pure and cached), so nothing but the translator's text is stored, and a token
always means what the source revision the translation follows says.

Carried as tokens: links (``<a href>`` with an http, https or mailto address, its ``title`` and
``hreflang``), ``<em>``/``<i>``, ``<strong>``/``<b>``, ``<q>``, ``<abbr title>``, ``<code>``,
``<sub>``/``<sup>``. Any other element (a ``<span lang>``, a ``<cite>``, a link to another
scheme) is dropped to its words; ``<br>`` is a line break.

:func:`render` turns translated text back into HTML: each well-formed pair becomes the source's
element, and the whole goes through the desk's one sanitiser (``html.sanitize_inline``: nh3,
allow-listed tags, safe schemes, ``rel="noopener noreferrer nofollow"``). A number the source
does not have stays as typed; a token that is not closed, or closed out of order, loses its
marker and keeps its words (the submission checks, :func:`problems`, refuse such text first).

It lives in the core because publishing (which never imports the desk) renders it; the desk's
editor, checks, machine drafts and memory use the same functions (``translations/assist/``).
"""

from __future__ import annotations

import functools
import html as html_lib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import MappingProxyType

import nh3

from newsroom.core.html import sanitize_inline

# [1]  [/1]  [1/]
MARKER = re.compile(r"\[(/?)(\d{1,3})(/?)\]")

TOKEN_TAGS = {"a", "em", "i", "strong", "b", "q", "abbr", "code", "sub", "sup"}
_TOKEN_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}}
_URL_SCHEMES = ("http://", "https://", "mailto:")
# Read with the tags around the tokens (their words kept), so unknown elements drop to text.
_READ_TAGS = TOKEN_TAGS | {"br"}


@dataclass(frozen=True)
class Token:
    """What ``[number]`` stands for: ``tag`` and its safe ``attrs``; ``is_empty`` when the source
    element holds no words (written ``[n/]``); ``words`` the source words inside, for hints."""

    number: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    is_empty: bool = False
    words: str = ""

    @property
    def href(self) -> str:
        return dict(self.attrs).get("href", "")

    @property
    def is_link(self) -> bool:
        return self.tag == "a"

    @property
    def opening(self) -> str:
        return f"[{self.number}/]" if self.is_empty else f"[{self.number}]"

    @property
    def written(self) -> str:
        """How the token is typed: ``[1]…[/1]`` or ``[1/]``."""
        return self.opening if self.is_empty else f"[{self.number}]…[/{self.number}]"

    def start_tag(self) -> str:
        attrs = "".join(f' {name}="{html_lib.escape(value, quote=True)}"' for name, value in self.attrs)
        return f"<{self.tag}{attrs}>"


@dataclass(frozen=True)
class Tokenized:
    """A source paragraph as the translator sees it: ``text`` with tokens, and their table."""

    text: str
    tokens: tuple[Token, ...] = ()
    by_number: Mapping[int, Token] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)


def _safe_attrs(tag: str, attrs: list[tuple[str, str | None]]) -> tuple[tuple[str, str], ...] | None:
    """The attributes a token keeps; ``None`` when the element must drop to its words."""
    allowed = _TOKEN_ATTRIBUTES.get(tag, set())
    kept = [(name, (value or "").strip()) for name, value in attrs if name in allowed and (value or "").strip()]
    if tag == "a":
        href = dict(kept).get("href", "")
        if not href.lower().startswith(_URL_SCHEMES):
            return None
    return tuple(sorted(kept))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, object]] = []  # ("text", str) | ("open"|"close", int)
        self.tokens: list[Token] = []
        self.stack: list[int | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.pieces.append(("text", "\n"))
            return
        safe = _safe_attrs(tag, attrs) if tag in TOKEN_TAGS else None
        if safe is None:
            self.stack.append(None)
            return
        number = len(self.tokens) + 1
        self.tokens.append(Token(number=number, tag=tag, attrs=safe))
        self.stack.append(number)
        self.pieces.append(("open", number))

    def handle_endtag(self, tag: str) -> None:
        if tag == "br" or not self.stack:
            return
        number = self.stack.pop()
        if number is not None:
            self.pieces.append(("close", number))

    def handle_data(self, data: str) -> None:
        self.pieces.append(("text", data))


def _normalise_space(text: str) -> str:
    """As the importer stores text: NFC, no soft hyphens, one space per run (a run holding a
    no-break space stays one), line breaks from ``<br>`` kept."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    text = re.sub(r"[^\S\n\u00a0]*\n[^\S\n\u00a0]*", "\n", text)
    text = re.sub(r"[^\S\n]+", lambda m: "\u00a0" if "\u00a0" in m.group(0) else " ", text)
    return text.strip(" \u00a0\n")


@functools.lru_cache(maxsize=4096)
def tokenize(html: str) -> Tokenized:
    """The tokens of one source paragraph's inline ``html`` (pure; cached by the HTML)."""
    if "<" not in (html or ""):
        return Tokenized(text=_normalise_space(html_lib.unescape(html or "")))
    # The stored HTML passed the importer's sanitiser; read it through ours again all the same.
    clean = nh3.clean(html, tags=_READ_TAGS, attributes=_TOKEN_ATTRIBUTES, url_schemes={"http", "https", "mailto"})
    reader = _Reader()
    reader.feed(clean)
    reader.close()
    words: dict[int, list[str]] = {}
    open_now: list[int] = []
    for kind, value in reader.pieces:
        if kind == "open":
            open_now.append(int(str(value)))
        elif kind == "close" and open_now:
            open_now.pop()
        elif kind == "text":
            for number in open_now:
                words.setdefault(number, []).append(str(value))
    tokens = []
    for token in reader.tokens:
        inside = _normalise_space("".join(words.get(token.number, [])))
        tokens.append(Token(token.number, token.tag, token.attrs, is_empty=not inside, words=inside))
    by_number = {t.number: t for t in tokens}
    parts = []
    for kind, value in reader.pieces:
        if kind == "text":
            # A bracketed number in the source's words stays what it is (see `problems`).
            parts.append(str(value))
        elif kind == "open":
            parts.append(by_number[int(str(value))].opening)
        elif not by_number[int(str(value))].is_empty:
            parts.append(f"[/{value}]")
    return Tokenized(text=_normalise_space("".join(parts)), tokens=tuple(tokens), by_number=MappingProxyType(by_number))


def strip_markers(text: str, tokenized: Tokenized) -> str:
    """``text`` without token markers: the words (for the numbers, glossary and length checks).
    A bracketed number written in the source's own words ("[1]" of a plain paragraph) stays."""
    literal = {m.group(0) for m in MARKER.finditer(tokenized.text) if int(m.group(2)) not in tokenized.by_number}
    return MARKER.sub(lambda m: m.group(0) if m.group(0) in literal else "", text or "")


@dataclass(frozen=True)
class _Marker:
    kind: str  # "open" | "close" | "empty"
    number: int
    start: int
    end: int


def _markers(text: str, known: Mapping[int, Token]) -> list[_Marker]:
    out = []
    for m in MARKER.finditer(text or ""):
        number = int(m.group(2))
        if number not in known or (m.group(1) and m.group(3)):
            continue  # a number the source does not have (or "[/1/]"): words as typed
        kind = "close" if m.group(1) else "empty" if m.group(3) else "open"
        out.append(_Marker(kind, number, m.start(), m.end()))
    return out


def _pairs(markers: list[_Marker]) -> tuple[dict[int, int], set[int]]:
    """Which markers pair up (open index → close index, properly nested) and which are empty."""
    pairs: dict[int, int] = {}
    empties: set[int] = set()
    stack: list[int] = []
    for i, marker in enumerate(markers):
        if marker.kind == "empty":
            empties.add(i)
        elif marker.kind == "open":
            stack.append(i)
        elif stack and markers[stack[-1]].number == marker.number:
            pairs[stack.pop()] = i
    return pairs, empties


def render(text: str, tokenized: Tokenized) -> str:
    """Translated ``text`` with tokens → safe inline HTML carrying the source's elements."""
    known = tokenized.by_number
    markers = _markers(text, known)
    if not markers:
        return sanitize_inline(text)
    pairs, empties = _pairs(markers)
    closing = {close: markers[open_].number for open_, close in pairs.items()}
    out: list[str] = []
    position = 0
    for i, marker in enumerate(markers):
        out.append(text[position : marker.start])
        position = marker.end
        token = known[marker.number]
        if i in pairs:
            out.append(token.start_tag())
        elif i in closing:
            out.append(f"</{token.tag}>")
        elif i in empties:
            out.append(f"{token.start_tag()}</{token.tag}>")
        # an unpaired marker is dropped; its words stay
    out.append(text[position:])
    return sanitize_inline("".join(out))


@dataclass(frozen=True)
class TokenProblems:
    """What is wrong with the tokens of one translated paragraph against its source's."""

    missing: tuple[Token, ...] = ()
    duplicated: tuple[Token, ...] = ()
    extra: tuple[str, ...] = ()  # markers with numbers the source does not have, as typed
    # One ``(fault, number, other)`` per fault: "unclosed" ``[n]``, "stray" ``[/n]`` with nothing
    # open, "crossed" ``[/n]`` while ``[other]`` inside it is still open, "empty" ``[n/]`` written
    # for a token that wraps words.
    broken: tuple[tuple[str, int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.missing or self.duplicated or self.extra or self.broken)


def problems(text: str, tokenized: Tokenized) -> TokenProblems:
    """Missing, duplicated, unknown and broken (unclosed, stray, mis-nested) tokens of ``text``."""
    known = tokenized.by_number
    markers = _markers(text, known)
    literal = Counter(m.group(0) for m in MARKER.finditer(tokenized.text) if int(m.group(2)) not in known)
    typed = Counter(m.group(0) for m in MARKER.finditer(text or "") if int(m.group(2)) not in known)
    extra = tuple(sorted((typed - literal).keys()))
    opened = Counter(m.number for m in markers if m.kind in ("open", "empty"))
    missing = tuple(t for t in tokenized.tokens if not opened[t.number])
    duplicated = tuple(t for t in tokenized.tokens if opened[t.number] > 1)
    broken: list[tuple[str, int, int]] = []
    stack: list[_Marker] = []
    for marker in markers:
        token = known[marker.number]
        if marker.kind == "empty":
            if not token.is_empty:
                broken.append(("empty", marker.number, 0))
        elif marker.kind == "open":
            stack.append(marker)
        elif all(m.number != marker.number for m in stack):
            broken.append(("stray", marker.number, 0))
        elif stack[-1].number != marker.number:
            broken.append(("crossed", marker.number, stack[-1].number))
            stack = [m for m in stack if m.number != marker.number]
        else:
            stack.pop()
    broken.extend(("unclosed", m.number, 0) for m in stack)
    return TokenProblems(missing=missing, duplicated=duplicated, extra=extra, broken=tuple(broken))


# --------------------------------------------------------------------------- machine providers
# Providers preserve XML-ish tags (DeepL ``tag_handling=xml``, LibreTranslate ``format=html``):
# tokens travel as ``<x id="n">…</x>`` / ``<x id="n"/>`` and come back as tokens.

_XML_TAG = re.compile(r"""<x\s+id=["']?(\d{1,3})["']?\s*(/?)>|</x\s*>""")


def has_markers(text: str) -> bool:
    return bool(MARKER.search(text or ""))


def to_tags(text: str) -> str:
    """Tokens → provider tags; everything else escaped so it reads as text. Only markers that
    pair up (or stand alone, ``[n/]``) become tags, so what is sent is always well-formed XML:
    a stray bracketed number stays text."""
    every = [
        _Marker("close" if m.group(1) else "empty" if m.group(3) else "open", int(m.group(2)), m.start(), m.end())
        for m in MARKER.finditer(text or "")
        if not (m.group(1) and m.group(3))
    ]
    pairs, empties = _pairs(every)
    closes = set(pairs.values())
    out: list[str] = []
    position = 0
    for i, marker in enumerate(every):
        if i not in pairs and i not in closes and i not in empties:
            continue
        out.append(html_lib.escape(text[position : marker.start], quote=False))
        position = marker.end
        if i in closes:
            out.append("</x>")
        elif i in empties:
            out.append(f'<x id="{marker.number}"/>')
        else:
            out.append(f'<x id="{marker.number}">')
    out.append(html_lib.escape((text or "")[position:], quote=False))
    return "".join(out)


def from_tags(text: str) -> str:
    """A provider's answer with ``<x>`` tags → text with tokens (entities read back)."""
    out: list[str] = []
    stack: list[str] = []
    position = 0
    for m in _XML_TAG.finditer(text or ""):
        out.append(html_lib.unescape(text[position : m.start()]))
        position = m.end()
        if m.group(1) is None:
            if stack:
                out.append(f"[/{stack.pop()}]")
        elif m.group(2):
            out.append(f"[{m.group(1)}/]")
        else:
            stack.append(m.group(1))
            out.append(f"[{m.group(1)}]")
    out.append(html_lib.unescape((text or "")[position:]))
    return "".join(out)
