"""Turn the bytes of a fetched news page into an article: metadata plus ordered body blocks.

Pure code: no network, no database, no Django. `importing.py` calls `extract_article()` with
what `fetching.fetch()` returned and stores the result; `blocks_from_pasted()` serves the manual
import form.

Pipeline, and why each step is there:

1. **Decode** (`decode_html`). Precedence, decided here because the fixtures ask for it:

   1. a byte-order mark always wins (WHATWG);
   2. the charset candidates are the HTTP header's, then the `<meta charset>` /
      `http-equiv` found in the first 1024 bytes;
   3. if the bytes are valid UTF-8 with non-ASCII in them and *any* candidate says UTF-8,
      UTF-8 wins: multi-byte UTF-8 sequences practically never occur by chance in a
      single-byte text, so validity is proof;
   4. otherwise the first candidate that decodes the bytes strictly (without a single
      error) wins. So a **wrong header loses to a correct meta**: windows-1251 bytes served
      as `charset=utf-8` fail strict UTF-8 decoding (that would give U+FFFD replacement
      characters), while the page's own `<meta charset="windows-1251">` decodes them cleanly.
      Browsers trust the header and show mojibake; an importer has no user to reload the
      page with another encoding, and a translator cannot work from replacement characters,
      so the declaration that demonstrably fits the bytes is taken;
   5. with no usable declaration, `charset_normalizer` guesses (KOI8-R, windows-1251, …);
      as the very last resort the first candidate (or UTF-8) with replacement characters.

   `iso-8859-1`/`ascii` labels are read as windows-1252, as browsers do.

2. **Sanitise with an HTML5 parser first** (nh3 = html5ever). libxml2's HTML parser, used by
   lxml and trafilatura, treats `<embed>` as a container and swallows the rest of the body;
   after nh3 there is no `<embed>`, no script handler, no `javascript:` URL, and the
   serialisation is well nested, so lxml rebuilds the same tree html5ever built. Classes and
   ids survive this first pass (they carry the boilerplate signals); scripts survive only
   because a Telegram widget is a `<script data-telegram-post>` and are never read as text.
   Metadata that lives in `<head>` (meta, link, JSON-LD, `<html lang>`) is read from an lxml
   parse of the original text: those elements are not affected by the `<embed>` problem.

3. **Locate the body with trafilatura** (`include_comments=False`, no metadata, so none of
   its date guessing): the paragraphs it keeps vote for their ancestors, and the deepest
   element holding most of that text is the body container. trafilatura is good at telling
   the story from the page around it, but it keeps promo/copyright lines next to the body,
   flattens embeds and captions and breaks drop caps, so its text is only used as a vote.

4. **Walk the container** and emit blocks (paragraph, heading, quote, list_item, image,
   embed) with general rules: clutter is recognised by class/id words (ads, banners,
   "read also", share, promo, donate, paywall, comments, tags, copyright, …), `hidden`,
   `aria-hidden` blocks, `display:none`; `nav`, `aside`, `form` and `footer` are not body.
   Each block's html is re-sanitised with a strict inline allow-list; links are resolved
   against the page URL (never against a `<base href>` planted in the body) and kept only
   for http(s).

Metadata is read, never guessed: JSON-LD (Yoast `@graph`, `@id` references), OpenGraph and
`article:*` metas, `itemprop`, `<time datetime>`, bylines. A timestamp without a UTC offset
is not used (it would need a guessed timezone); no date is ever taken from the text.

Block ids are `<kind prefix>-<10 hex of sha1(kind, normalised text or address)>`, with
`-2`, `-3` for repeats, so an unchanged paragraph keeps its id on re-import and a changed
one gets a new id. Stored text keeps no-break spaces (numbers like "1 390" stay together)
but collapses every other whitespace run; ids use the fully normalised text.
"""

from __future__ import annotations

import codecs
import copy
import functools
import hashlib
import html as html_lib
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import charset_normalizer
import lxml.html
import nh3
import py3langid
import trafilatura
from lxml import etree

__all__ = [
    "ExtractedArticle",
    "blocks_from_pasted",
    "decode_html",
    "extract_article",
    "normalize_text",
]

# --------------------------------------------------------------------------- text helpers

_WS_NO_NBSP = re.compile(r"[ \t\n\r\f\v\u2028\u2029\u200b\u3000]+")
_ANY_WS = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    """The comparison form of text: NFC, no soft hyphens, every whitespace run one space."""
    value = unicodedata.normalize("NFC", value).replace("\u00ad", "")
    return _ANY_WS.sub(" ", value).strip()


def _clean_text(value: str) -> str:
    """Stored form: like `normalize_text` but a run containing a no-break space stays one.

    No-break spaces carry meaning in Russian/Belarusian typography ("1 390 рублей",
    "100 ₽"); translators and the number checks want to see them.
    """
    value = unicodedata.normalize("NFC", value).replace("\u00ad", "")

    def collapse(match: re.Match[str]) -> str:
        return "\u00a0" if "\u00a0" in match.group(0) else " "

    value = re.sub(r"[\s\u00a0]+", collapse, value)
    return value.strip(" \u00a0")


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels browsers read differently from Python (WHATWG Encoding Standard).
_LABEL_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "iso8859-1": "windows-1252",
    "x-user-defined": "windows-1252",
}


def _canonical_charset(label: str | None) -> str | None:
    """A Python-decodable charset name spelt the way the web spells it, or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    name = _LABEL_ALIASES.get(name, name)
    match = re.fullmatch(r"cp(125\d)", name)
    if match:
        return f"windows-{match.group(1)}"
    if name in {"utf-16", "utf-32"}:  # a meta cannot truthfully say this: the bytes are ASCII-compatible
        return "utf-8"
    return name


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:1024])
    return match.group(1).decode("ascii", "replace") if match else None


def _decodes(content: bytes, charset: str) -> str | None:
    try:
        return content.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(content: bytes) -> str | None:
    """UTF-8 text of bytes that are UTF-8 but for a few stray bytes, those bytes dropped.

    A page that declares UTF-8 and carries a handful of invalid bytes (a truncated paste, one
    byte from a legacy template) is still UTF-8: reading it as a single-byte charset would garble
    every letter to save three. Accepted when the valid multi-byte sequences outnumber the
    invalid bytes twenty to one; windows-1251 text served as UTF-8 has almost no valid sequence.
    """
    invalid = 0
    position = 0
    while True:
        try:
            content[position:].decode("utf-8")
            break
        except UnicodeDecodeError as error:
            invalid += error.end - error.start
            position += error.end
            if invalid > 64:
                return None
    text = content.decode("utf-8", "ignore")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F)
    return text if multibyte >= 20 * invalid else None


def decode_html(*, content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return `(charset, text)` for HTML bytes; see the module docstring for precedence."""
    for bom, charset in _BOMS:
        if content.startswith(bom):
            return ("utf-8" if charset == "utf-8" else charset), content[len(bom) :].decode(charset, "replace")
    candidates = [
        c for c in (_canonical_charset(_header_charset(content_type)), _canonical_charset(_meta_charset(content))) if c
    ]
    if "utf-8" in candidates and not content.isascii():
        text = _decodes(content, "utf-8")
        if text is not None:
            return "utf-8", text
        text = _mostly_utf8(content)
        if text is not None:
            return "utf-8", text
    for charset in candidates:
        text = _decodes(content, charset)
        if text is not None:
            return charset, text
    best = charset_normalizer.from_bytes(content).best()
    if best is not None:
        charset = _canonical_charset(best.encoding) or "utf-8"
        text = _decodes(content, charset)
        if text is not None:
            return charset, text
    charset = candidates[0] if candidates else "utf-8"
    return charset, content.decode(charset, "replace")


# --------------------------------------------------------------------------- sanitising

_STRUCTURE_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption",
    "center", "cite", "code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i",
    "iframe", "img", "ins", "kbd", "li", "main", "mark", "nav", "ol", "p", "picture", "pre", "q",
    "s", "samp", "script", "section", "small", "span", "strike", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
    "noscript",
}  # fmt: skip
# `<form>` is not here: ASP.NET pages wrap the whole page, story included, in one form; the
# form tag goes and its content stays (its controls are dropped below). `<noscript>` stays as
# an element: some pages put the story's text there; the walker reads its text and skips the
# duplicate of a lazy-loaded image.
_STRUCTURE_DROP_WITH_CONTENT = {
    "style", "template", "title", "textarea", "select", "option", "svg", "math",
    "object", "video", "audio", "button", "input", "canvas", "map", "dialog", "frameset",
    "noembed", "noframes", "xmp", "plaintext",
}  # fmt: skip
_STRUCTURE_ATTRS = {
    "*": {"class", "id", "lang", "hidden", "aria-hidden", "itemprop", "role", "style", "datetime", "rel"},
    "a": {"href"},
    "img": {"src", "data-src", "data-lazy-src", "data-original", "alt"},
    "iframe": {"src", "data-src"},
    "script": {"src", "data-telegram-post"},
    "blockquote": {"cite"},
}

_INLINE_TAGS = {"a", "strong", "em", "b", "i", "br", "sup", "sub", "span"}
_LINK_REL = "noopener noreferrer nofollow"


# Characters lxml refuses in text (XML 1.0 forbids them): C0 controls but tab/LF/CR, and the
# non-characters U+FFFE/U+FFFF. One U+001D in a page must not lose the page.
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")


def _strip_controls(text: str) -> str:
    return _XML_INCOMPATIBLE.sub("", text.replace("\x0c", " "))


def _sanitise_structure(markup: str) -> str:
    """First pass: html5ever parse, dangerous parts gone, structure and class names kept."""
    return nh3.clean(
        markup,
        tags=_STRUCTURE_TAGS,
        clean_content_tags=_STRUCTURE_DROP_WITH_CONTENT,
        attributes=_STRUCTURE_ATTRS,
        link_rel=None,
        url_schemes={"http", "https"},
        filter_style_properties={"display", "visibility"},
        strip_comments=True,
    )


def _sanitise_inline(markup: str) -> str:
    """Final pass for a block's html: the strict inline allow-list stored and rendered."""
    cleaned = nh3.clean(
        markup,
        tags=_INLINE_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}, "span": {"lang"}},
        link_rel=_LINK_REL,
        url_schemes={"http", "https"},
        url_relative="deny",
        strip_comments=True,
    )
    return _WS_NO_NBSP.sub(" ", cleaned).strip()


def _safe_url(value: str | None, *, base: str) -> str | None:
    """Absolute http(s) URL or None; resolved against the page URL only."""
    if not value:
        return None
    value = value.strip()
    if not value or value.startswith("data:"):
        return None
    try:
        absolute = urljoin(base, value)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return absolute


# --------------------------------------------------------------------------- tree helpers

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "iframe", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "summary", "caption", "noscript",
}  # fmt: skip
_SKIP_TAGS = {"script", "nav", "aside", "footer", "form", "button", "hr", "summary", "caption"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

# Class/id words that mark page furniture rather than the story. Each class token (and the
# id) is split on "-" and "_" ("b-inline-read", "jp-relatedposts"); a token is clutter when
# its *last* word names furniture ("jp-relatedposts", "TestReport__Section--Ads" is an ads
# section), or when it is a furniture word alone. A word in the middle only modifies what the
# token names: "elementor-widget-container" is a container, "print-full" is the full text.
# Whatever the words say, the walker never drops an element that holds much of the story.
_CLUTTER_WORDS = {
    "ad", "ads", "adv", "advert", "advertisement", "adsbygoogle", "banner", "breadcrumb",
    "breadcrumbs", "comment", "comments", "commentlist", "cookie", "cookies", "consent",
    "copyright", "donate", "donation", "newsletter", "paywall", "popular", "promo", "related",
    "relatedposts", "share", "sharing", "sharedaddy", "social", "sponsor", "sponsored",
    "subscribe", "subscription", "sidebar", "widget", "tags", "toc", "teaser", "print",
    "byline", "author", "meta", "rating", "errata", "readtime", "partners", "outbrain",
    "date", "dateline", "timestamp", "trending", "recommended", "recirculation",
}  # fmt: skip
_CLUTTER_PHRASES = ("inline-read", "read-also", "read-more", "readmore", "see-also", "code-block", "more-news")


_NO_WORDS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=4096)
def _words_of(raw: str) -> frozenset[str]:
    return frozenset(re.split(r"[\s_\-]+", raw)) - {""}


def _class_words(el: Any) -> tuple[frozenset[str], str]:
    cls, ident = el.get("class"), el.get("id")
    if not cls and not ident:
        return _NO_WORDS, ""
    raw = f"{cls or ''} {ident or ''}".lower()
    return _words_of(raw), raw


_CLUTTER_FIRST_WORDS = {
    "ad",
    "ads",
    "adv",
    "advert",
    "advertisement",
    "banner",
    "promo",
    "share",
    "social",
    "sponsored",
}


def _is_clutter(el: Any) -> bool:
    cls, ident = el.get("class"), el.get("id")
    return bool((cls or ident) and _clutter_tokens(f"{cls or ''} {ident or ''}".lower()))


@functools.lru_cache(maxsize=4096)
def _clutter_tokens(raw: str) -> bool:
    for token in raw.split():
        words = [w for w in re.split(r"[_\-]+", token) if w]
        if not words:
            continue
        if words[-1] in _CLUTTER_WORDS or (words[0] in _CLUTTER_FIRST_WORDS and len(words) <= 2):
            return True
    return any(f"{p}" in token for token in raw.split() for p in _CLUTTER_PHRASES)


def _is_hidden(el: Any) -> bool:
    if el.get("hidden") is not None:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    # aria-hidden on a block (a faded paywall teaser) hides text; on an inline span it is
    # usually a decorative drop cap whose letter belongs to the word.
    return el.get("aria-hidden") == "true" and el.tag in _BLOCK_TAGS


def _tag(el: Any) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def _own_text(el: Any) -> str:
    """The text of an element outside its block children (loose text and inline children)."""
    parts = [el.text or ""]
    for child in el:
        if _tag(child) and _tag(child) not in _BLOCK_TAGS and _tag(child) != "script":
            parts.append(_raw_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _has_block_child(el: Any) -> bool:
    return any(_tag(c) in _BLOCK_TAGS for c in el)


def _raw_text(el: Any) -> str:
    """Visible text of an element: scripts skipped, `<br>` as a line break."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = _tag(node)
        if tag == "br":
            parts.append("\n")
        elif tag and tag not in {"script"}:
            if tag in _BLOCK_TAGS and parts:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if tag in _BLOCK_TAGS:
                parts.append(" ")

    if el.text:
        parts.append(el.text)
    for child in el:
        walk(child)
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


_CAPTION_WORDS = {"caption", "captions", "credit", "credits", "figcaption", "photocredit", "copyright"}


def _is_caption(el: Any) -> bool:
    """A caption or photo credit set outside a `<figure>` ("wp-caption-text", "image-credit",
    "newsCaption": class tokens split on "-", "_" and camelCase humps)."""
    if _tag(el) == "figcaption":
        return True
    cls, ident = el.get("class"), el.get("id")
    return bool((cls or ident) and _caption_tokens(f"{cls or ''} {ident or ''}"))


@functools.lru_cache(maxsize=4096)
def _caption_tokens(raw: str) -> bool:
    words = re.split(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])", raw)
    return any(w.lower() in _CAPTION_WORDS for w in words)


def _data_cell(el: Any) -> bool:
    """A cell of a data table (rows of several cells, no nested tables), not page layout."""
    row = el.getparent()
    if row is None or _tag(row) != "tr" or sum(1 for c in row if _tag(c) in {"td", "th"}) < 2:
        return False
    table = next((a for a in el.iterancestors() if _tag(a) == "table"), None)
    return table is not None and table.find(".//table") is None


# --------------------------------------------------------------------------- blocks

_ID_PREFIX = {"paragraph": "p", "heading": "h", "quote": "q", "list_item": "li", "image": "img", "embed": "em"}


def _assign_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    for block in blocks:
        key = block["text"] if block["kind"] not in {"image", "embed"} else block["attrs"].get("src", "")
        digest = hashlib.sha1(f"{block['kind']}\x1f{normalize_text(key)}".encode(), usedforsecurity=False)
        base = f"{_ID_PREFIX[block['kind']]}-{digest.hexdigest()[:10]}"
        seen[base] = seen.get(base, 0) + 1
        block["id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return blocks


def _youtube_id(parts: Any) -> str | None:
    host = (parts.hostname or "").lower()
    if host.endswith("youtu.be"):
        return parts.path.strip("/").split("/")[0] or None
    if host.endswith(("youtube.com", "youtube-nocookie.com")):
        match = re.match(r"/(?:embed|shorts|live|v)/([\w-]{6,})", parts.path)
        if match:
            return match.group(1)
        ids = parse_qs(parts.query).get("v")
        return ids[0] if ids else None
    return None


def _embed_from_url(src: str) -> dict[str, Any] | None:
    """Recognise the players translators need to see; anything else is dropped."""
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    video_id = _youtube_id(parts)
    if video_id:
        return {
            "provider": "youtube",
            "src": src,
            "video_id": video_id,
            "url": f"https://www.youtube.com/watch?v={video_id}",
        }
    if host.endswith("vimeo.com"):
        match = re.search(r"/(?:video/)?(\d+)", parts.path)
        if match:
            vid = match.group(1)
            return {"provider": "vimeo", "src": src, "video_id": vid, "url": f"https://vimeo.com/{vid}"}
    if host in {"t.me", "telegram.me"}:
        match = re.match(r"/(?:s/)?([\w]+/\d+)", parts.path)
        if match:
            post = match.group(1)
            return {
                "provider": "telegram",
                "src": f"https://t.me/{post}?embed=1",
                "post": post,
                "url": f"https://t.me/{post}",
            }
    if host.endswith(("twitter.com", "x.com")):
        match = re.match(r"/(\w+)/status(?:es)?/(\d+)", parts.path)
        if match:
            url = f"https://twitter.com/{match.group(1)}/status/{match.group(2)}"
            return {"provider": "twitter", "src": url, "post": match.group(2), "url": url}
    return None


@dataclass
class _Walker:
    """Turns the body container into blocks; one instance per page."""

    base_url: str
    title_key: str = ""
    headlines: frozenset[str] = frozenset()
    votes: _Votes | None = None
    core: Any = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    _in_core: int = 0
    _in_near: int = 0
    _chunks: list[Any] = field(default_factory=list)

    @property
    def _near(self) -> Any:
        """Where the story may spread beyond its core: the core's parent (its siblings)."""
        return self.core.getparent() if self.core is not None else None

    def _append(self, block: dict[str, Any]) -> None:
        block["_core"] = self.core is None or self._in_core > 0
        block["_near"] = self.core is None or self._in_near > 0 or self._in_core > 0
        self.blocks.append(block)

    def _dropped(self, el: Any) -> bool:
        """Hidden or furniture, unless it holds a good part of the story trafilatura found."""
        if _is_hidden(el):  # a hidden copy of the description is no story; a hidden story is
            return not (self.votes is not None and self.votes.holds_story(el, 0.5))
        if _is_clutter(el):
            return not (self.votes is not None and self.votes.holds_story(el))
        return False

    # -- emitting
    def _inline_html(self, el: Any) -> str:
        """The sanitised inline html of a block element's content."""
        el = copy.deepcopy(el)
        el.tail = None
        for node in list(el.iterdescendants()):
            tag = _tag(node)
            if tag == "a":
                href = _safe_url(node.get("href"), base=self.base_url)
                if href is None:
                    node.drop_tag()  # the words stay, the dangerous or dead link goes
                else:
                    node.set("href", href)
            elif tag == "span" and node.get("lang") is None:
                node.drop_tag()
            elif tag == "script":
                node.drop_tree()
        parts = [html_lib.escape(el.text or "", quote=False)]
        parts += [etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in el]
        return _sanitise_inline("".join(parts))

    def _emit_text_block(self, kind: str, el: Any, attrs: dict[str, Any] | None = None) -> None:
        _drop_inline_cards(el)
        text = _clean_text(_raw_text(el))
        if not text:
            return
        if any(_tag(a) == "a" for a in el.iterancestors()):
            linked = len(normalize_text(text))  # a card wrapped in one link is a teaser
        else:
            linked = sum(len(normalize_text(_raw_text(a))) for a in el.iter("a"))
            if not linked and len(text) < 300 and _in_teaser_card(el, len(normalize_text(text))):
                linked = len(normalize_text(text))
        self._append(
            {
                "id": "",
                "kind": kind,
                "text": text,
                "html": self._inline_html(el),
                "attrs": attrs or {},
                "_links": linked / max(1, len(normalize_text(text))),
            }
        )

    def _emit_run(self, text_parts: list[Any]) -> None:
        """A run of inline content directly inside a container (text between blocks)."""
        wrapper = lxml.html.Element("p")
        for part in text_parts:
            if isinstance(part, str):
                if len(wrapper):
                    wrapper[-1].tail = (wrapper[-1].tail or "") + part
                else:
                    wrapper.text = (wrapper.text or "") + part
            else:
                wrapper.append(part)
        if self._substantial(wrapper):
            self._emit_text_block("paragraph", wrapper)

    @staticmethod
    def _substantial(el: Any) -> bool:
        """Loose text in a div counts as a paragraph only if it reads like one."""
        text = normalize_text(_raw_text(el))
        return len(text.split()) >= 4 or (len(text) >= 20 and text[-1:] in '.!?…»"')

    def _emit_image(self, img: Any, caption: str | None) -> None:
        src = None
        for attr in ("data-src", "data-lazy-src", "data-original", "src"):
            src = _safe_url(img.get(attr), base=self.base_url)
            if src:
                break
        if not src:
            return
        alt = img.get("alt")
        text = caption or alt or ""
        self._append(
            {
                "id": "",
                "kind": "image",
                "text": _clean_text(text),
                "html": html_lib.escape(_clean_text(caption or ""), quote=False),
                "attrs": {"src": src, "alt": alt, "caption": caption or None},
            }
        )

    def _emit_embed(self, embed: dict[str, Any]) -> None:
        self._append({"id": "", "kind": "embed", "text": "", "html": "", "attrs": embed})

    # -- walking
    def _core_chunks(self) -> tuple[list[Any], Any]:
        """The core and the story's other chunks, and the element holding them all: siblings
        of the core (or of its wrapper) with the same tag and class, set around it with only
        furniture (ads, a sign-up box) between them. A CMS that cuts the story around its ads
        gives each chunk the same class; trafilatura often keeps only the first."""
        core = self.core
        if core is None or not (core.get("class") or "").strip():
            return ([core] if core is not None else []), None
        for wrap in (core, core.getparent()):
            parent = wrap.getparent() if wrap is not None else None
            if parent is None:
                break
            chunks = [core]
            siblings = list(parent)
            at = next(i for i, sib in enumerate(siblings) if sib is wrap)
            for step in (-1, 1):
                i = at + step
                while 0 <= i < len(siblings):
                    sib = siblings[i]
                    twin = None
                    if sib.tag == wrap.tag and sib.get("class") == wrap.get("class"):
                        twin = next(
                            (n for n in sib.iter(core.tag) if n.get("class") == core.get("class")),
                            None,
                        )
                    if twin is not None:
                        chunks.append(twin)
                    elif len(normalize_text(_raw_text(sib))) > 200:
                        break
                    i += step
            if len(chunks) > 1:
                return chunks, parent
        return [core], None

    def walk(self, container: Any) -> list[dict[str, Any]]:
        self._chunks, holder = self._core_chunks()
        if holder is not None and any(node is holder for node in container.iterancestors()):
            container = holder  # walk the other chunks too
        self._in_core = int(any(container is c for c in self._chunks))
        self._in_near = int(container is self._near or container is self.core)
        self._walk_children(container)
        if self.headlines:
            # The headline repeated as the story's first lines (as a paragraph, an h2, the
            # title of the page) is not part of the story: the article keeps it as its title.
            self.blocks = [
                b
                for b in self.blocks
                if b["kind"] not in _TEXT_KINDS or normalize_text(b["text"]) not in self.headlines
            ]
        if self.votes is not None and self.votes.text:
            self.blocks = self.votes.filter(self.blocks)
            if not any(b["kind"] in _TEXT_KINDS and self.votes.matches(b["text"]) for b in self.blocks):
                self.blocks = self.votes.paragraphs()
        for block in self.blocks:
            block.pop("_links", None)
            block.pop("_core", None)
            block.pop("_near", None)
        return _assign_ids(self.blocks)

    def _walk_children(self, el: Any) -> None:
        run: list[Any] = []
        if el.text and el.text.strip():
            run.append(el.text)
        for child in list(el):
            tail = child.tail
            if _tag(child) in _BLOCK_TAGS or _tag(child) in {"img", "script"}:
                if run:
                    self._emit_run(run)
                    run = []
                self._walk_node(child)
            elif _tag(child) and not self._dropped(child) and not _is_caption(child):
                child.tail = None
                run.append(child)
            if tail and tail.strip():
                run.append(tail)
        if run:
            self._emit_run(run)

    def _image_box(self, el: Any) -> bool:
        """A box holding one picture and at most a short caption becomes one image block."""
        imgs = [i for i in el.iter("img")]
        if len(imgs) != 1:
            return False
        if (
            any(_tag(n) in {"p", "li", "blockquote", "h2", "h3", "h4", "table"} for n in el.iter())
            and _tag(el) != "figure"
        ):
            return False
        captions = [n for n in el.iter("figcaption")]
        caption_text = normalize_text(_raw_text(captions[0] if captions else el))
        if len(caption_text) > 400:
            return False
        self._emit_image(imgs[0], caption_text or None)
        return True

    def _walk_node(self, el: Any) -> None:
        core, near = any(el is c for c in self._chunks), el is not None and el is self._near
        self._in_core += core
        self._in_near += near
        try:
            self._dispatch(el)
        finally:
            self._in_core -= core
            self._in_near -= near

    def _dispatch(self, el: Any) -> None:  # noqa: C901 - one dispatch table, read top to bottom
        tag = _tag(el)
        if not tag or self._dropped(el):
            return
        if tag == "noscript":
            self._noscript(el)
            return
        if tag == "script":
            post = el.get("data-telegram-post")
            if post and re.fullmatch(r"[\w]+/\d+", post):
                embed = _embed_from_url(f"https://t.me/{post}")
                if embed:
                    self._emit_embed(embed)
            return
        if tag in _SKIP_TAGS and not (
            tag in {"aside", "footer", "nav"} and self.votes is not None and self.votes.holds_story(el)
        ):
            return
        if tag == "iframe":
            src = _safe_url(el.get("src") or el.get("data-src"), base=self.base_url)
            embed = _embed_from_url(src) if src else None
            if embed:
                self._emit_embed(embed)
            return
        if tag == "img":
            self._emit_image(el, None)
            return
        if tag in _HEADINGS:
            text = normalize_text(_raw_text(el))
            if not text or text == self.title_key:
                return  # the headline repeated above the story is not a section of it
            self._emit_text_block("heading", el, {"level": int(tag[1])})
            return
        if tag == "blockquote":
            self._quote(el)
            return
        if tag in {"ul", "ol"}:
            for li in el:
                if _tag(li) == "li":
                    self._list_item(li, ordered=tag == "ol")
            return
        if tag == "figure":
            self._figure(el)
            return
        if tag in {"p", "pre", "dt", "dd"}:
            if el.find(".//iframe") is not None or (
                el.find(".//img") is not None and len(normalize_text(_raw_text(el))) < 300
            ):
                if self._image_box(el):
                    return
                self._walk_children(el)
                return
            if not _is_caption(el):
                self._emit_text_block("paragraph", el)
            return
        # Generic containers: div, section, article, td, li-like wrappers…
        if el.find(".//img") is not None and self._image_box(el):
            return
        if _is_caption(el) and el.find(".//img") is None and not (self.votes and self.votes.holds_story(el)):
            return  # a caption box away from its picture (the picture went as an image block)
        if _has_block_child(el) or el.find(".//img") is not None or el.find(".//iframe") is not None:
            self._walk_children(el)
        elif _is_caption(el):
            return  # a caption or credit away from its picture is not a paragraph of the story
        elif self._substantial(el) or (tag in {"td", "th"} and _data_cell(el) and normalize_text(_raw_text(el))):
            self._emit_text_block("paragraph", el)

    def _noscript(self, el: Any) -> None:
        """Text inside `<noscript>` is read; its picture is skipped when it duplicates a lazy one."""
        parent = el.getparent()
        if parent is not None and any(el not in img.iterancestors() for img in parent.iter("img")):
            for img in list(el.iter("img")):
                if img.getparent() is not None:
                    img.drop_tree()
        self._walk_children(el)

    def _figure(self, el: Any) -> None:
        if el.find(".//blockquote") is not None:
            for quote in el.iter("blockquote"):
                self._quote(quote)
            return
        nested = [f for f in el.iter("figure") if f is not el]
        if nested or len(list(el.iter("img"))) > 1:
            self._walk_children(el)
            return
        iframe = el.find(".//iframe")
        if iframe is not None:
            self._walk_node(iframe)
            return
        if not self._image_box(el):
            self._walk_children(el)

    def _quote(self, el: Any) -> None:
        classes, _ = _class_words(el)
        if classes & {"twitter", "tweet"} or "twitter-tweet" in (el.get("class") or ""):
            for a in el.iter("a"):
                embed = _embed_from_url(a.get("href") or "")
                if embed:
                    self._emit_embed(embed)
                    return
        cite_nodes = [n for n in el.iter("cite", "footer")]
        cite = normalize_text(" ".join(_raw_text(n) for n in cite_nodes)) or None
        for node in cite_nodes:
            parent = node.getparent()
            if parent is not None:
                node.drop_tree()
        paragraphs = [p for p in el.iter("p")]
        if paragraphs:
            text = _clean_text(" ".join(_raw_text(p) for p in paragraphs))
            markup = "<br>".join(self._inline_html(p) for p in paragraphs)
        else:
            text = _clean_text(_raw_text(el))
            markup = self._inline_html(el)
        if text:
            self._append({"id": "", "kind": "quote", "text": text, "html": markup, "attrs": {"cite": cite}})

    def _list_item(self, li: Any, *, ordered: bool) -> None:
        if self._dropped(li):
            return
        if li.find(".//figure") is not None or li.find(".//img") is not None or li.find(".//blockquote") is not None:
            self._walk_children(li)
            return
        nested = [c for c in li if _tag(c) in {"ul", "ol"}]
        for sub in nested:
            li.remove(sub)
        if _has_block_child(li):
            self._walk_children(li)
        else:
            self._emit_text_block("list_item", li, {"ordered": ordered})
        for sub in nested:
            self._walk_node(sub)


# --------------------------------------------------------------------------- locating the body

_PARAGRAPHISH = {"p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "td", "dd", "pre", "figcaption"}
_TEXT_KINDS = {"paragraph", "heading", "quote", "list_item"}
_EMBED_TAG = re.compile(r"</?embed\b[^>]*>", re.IGNORECASE)
# Headings that introduce page furniture, not a section of the story.
_FURNITURE_HEADING = re.compile(
    r"^(more (on|from|about|in|stories|news|like this)\b|related\b|read (more|also|next)\b|see (also|more)\b|"
    r"don.?t miss\b|recommended\b|you (may|might) (also )?(like|enjoy|be interested)\b|most (popular|read)\b|trending\b|"
    r"latest (news|stories)\b|top stories\b|also read\b|next (post|story|article)\b|previous (post|story)\b|"
    r"share (this|on|it)\b|sign up\b|subscribe\b|newsletter\b|comments?\b|popular (on|in|now)\b|"
    r"(last )?updated( at| on|:)|published( at| on|:)|filed under\b|follow us\b|like this (story|article)\b|"
    r"reading time\b|\d+\s*min(ute)?s?\s+read\b|tempo de leitura\b|время чтения\b|"
    r"читайте также|смотрите также|по теме|чытайце таксама|новости по теме)",
    re.IGNORECASE,
)


# A photo credit or a wire-service credit line: "© Jane Roe ...", "(Reporting by ...)".
_CREDIT_LINE = re.compile(r"^\s*(©|\(c\)\s|copyright\b|\(?(additional )?reporting by\b|photo:|фото:)", re.IGNORECASE)

# Site-wide notices that publishers print under or around every story (reprint and copyright
# notices, citation boxes, "enable JavaScript" placeholders, form messages): never story text.
_BOILERPLATE_LINE = re.compile(
    r"^\s*(this copy is for your personal,? non-commercial use\b|this (document|article|material) is subject to copyright\b|"
    r"citation: .{0,300}\bretrieved\b.{0,60}\bfrom https?://|explore further\s*$|"
    r"this (slideshow|video|content|page) requires javascript\b|(please )?enable javascript\b|"
    r"an error (has occurred|occurred),? please try again\b|order reprints\s*$|this article has been sent to\b|"
    r"tell us what you think\b)",
    re.IGNORECASE,
)


def _drop_inline_cards(el: Any) -> None:
    """A pop-up card set inside a paragraph (a person's name, then a span holding their photo
    and links to other stories, shown on hover) is not the paragraph's text: the name stays."""
    cards = [
        span
        for span in el.iter("span")
        if span is not el
        and span.find(".//img") is not None
        and len(span.findall(".//a")) >= 2
        and _follows_a_name(span, el)
    ]
    for card in cards:
        # the innermost such span is the card; the spans around it also hold the name
        if not any(other is not card and any(node is card for node in other.iterancestors()) for other in cards):
            card.drop_tree()  # its tail (the rest of the sentence) stays


def _follows_a_name(card: Any, block: Any) -> bool:
    """The card sits in a span that opens with a link (the name it pops up for), after it."""
    for holder in card.iterancestors():
        if holder is block:
            return False
        first = next(iter(holder), None)
        if (
            _tag(holder) == "span"
            and first is not None
            and _tag(first) == "a"
            and not (holder.text or "").strip()
            and not any(node is first for node in card.iterancestors())
        ):
            return True
    return False


def _in_teaser_card(el: Any, size: int) -> bool:
    """A short line in a card of a repeated list whose link is another story's headline (the
    standfirst under a "More" teaser): the card is its headline link and this line, and
    cards like it stand next to it."""
    limit = 3 * size + 300
    for card in itertools.islice(el.iterancestors(), 3):
        rough = 0  # the card's raw text length, counted only as far as the limit
        for piece in card.itertext():
            rough += len(piece)
            if rough > 2 * limit:
                return False  # a container of the story, not a card
        parent = card.getparent()
        if parent is None or not any(
            sib is not card and sib.tag == card.tag and sib.get("class") == card.get("class") for sib in parent
        ):
            continue
        card_size = len(normalize_text(_raw_text(card)))
        if card_size > limit:
            return False
        link_size = sum(len(normalize_text(_raw_text(a))) for a in card.iter("a") if a.get("href"))
        if link_size >= 15 and link_size + size >= 0.8 * card_size:
            return True
    return False


def _trafilatura_lines(raw_tree: Any) -> list[str]:
    """The story text trafilatura finds in the page, one normalised line per paragraph.

    trafilatura reads the page as served (the lxml parse of the raw text, which it changes,
    so metadata is read before): its judgement rests on the page's own markup, forms,
    noscript and attributes that the sanitised tree no longer has.
    """
    for noscript in list(raw_tree.iter("noscript")):
        noscript.drop_tag()  # its text is read by the walker, so trafilatura should see it
    try:
        doc = trafilatura.bare_extraction(
            raw_tree,
            include_comments=False,
            with_metadata=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
            fast=False,
        )
    except Exception:  # noqa: BLE001 - a vote that cannot be had is no vote; the walker decides
        return []
    body = getattr(doc, "body", None)
    if body is None:
        return []
    for lb in body.iter("lb"):
        lb.text = " "  # a line break separates words; itertext() would glue them
    lines = []
    for node in body.iter("p", "head", "item", "quote", "cell"):
        line = normalize_text("".join(node.itertext()))
        if line:
            lines.append(line)
    return lines


def _prose(block: dict[str, Any]) -> bool:
    """Running text: a paragraph of sentences with few links (loose text trafilatura left out)."""
    text = block["text"]
    return (
        block["kind"] == "paragraph"
        and len(text.split()) >= 15
        and text[-1:] in '.!?…»"”'
        and block.get("_links", 0) < 0.2
    )


@dataclass
class _Votes:
    """trafilatura's reading of the page, as votes for elements and blocks of ours."""

    lines: list[str]
    text: str = ""
    exact: set[str] = field(default_factory=set)
    long_lines: list[str] = field(default_factory=list)
    weights: dict[Any, int] = field(default_factory=dict)
    total: int = 0

    def __post_init__(self) -> None:
        self.text = "\n".join(self.lines)
        self.exact = set(self.lines)
        self.long_lines = [line for line in self.lines if len(line) > 40]

    def matches(self, text: str, *, strict: bool = False) -> bool:
        """Whether trafilatura kept this text (whole, as a part of a line, or around a line)."""
        key = normalize_text(text)
        if not key:
            return False
        if key in self.exact or (len(key) >= 15 and key in self.text):
            return True
        if len(key) <= 40:
            return False
        # Around kept lines (a paragraph trafilatura split); a list item only if they make up
        # most of it: a teaser holding the headline is not the story.
        covered = sum(len(line) for line in self.long_lines if len(line) < len(key) and line in key)
        return covered >= 0.5 * len(key) if strict else covered > 0

    def weigh(self, root: Any) -> None:
        """Each kept paragraph-like element votes, with its length, for all its ancestors."""
        for el in root.iter():
            tag = _tag(el)
            if tag not in _PARAGRAPHISH:
                continue
            # A container's loose text (text set with <br> next to a picture box) votes too.
            key = normalize_text(_own_text(el) if _has_block_child(el) else _raw_text(el))
            if len(key) < 15 or not self.matches(key, strict=tag == "li"):
                continue
            self.total += len(key)
            self.weights[el] = self.weights.get(el, 0) + len(key)
            for node in el.iterancestors():
                self.weights[node] = self.weights.get(node, 0) + len(key)

    def holds_story(self, el: Any, share: float = 0.25) -> bool:
        return self.total > 0 and self.weights.get(el, 0) >= share * self.total

    def filter(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the story: blocks trafilatura kept, and what lies between them unless it is a
        list of links or a furniture heading; text before the first or after the last kept
        block is the page around the story. Images and embeds stay where the walker put them."""

        def furniture(i: int) -> bool:
            block = blocks[i]
            links = block.get("_links", 0) > 0.6 and (i not in votes or len(block["text"]) < 150)
            short = block["kind"] == "heading" or len(block["text"]) < 60
            credit = len(block["text"]) < 300 and bool(
                _CREDIT_LINE.match(block["text"]) or _BOILERPLATE_LINE.match(block["text"])
            )
            return links or credit or (short and bool(_FURNITURE_HEADING.match(block["text"])))

        text = [i for i, b in enumerate(blocks) if b["kind"] in _TEXT_KINDS]
        votes = {i for i in text if self.matches(blocks[i]["text"], strict=blocks[i]["kind"] == "list_item")}
        story = [i for i in text if i in votes and blocks[i].get("_core") and not furniture(i)]
        if not story:
            story = [i for i in sorted(votes) if not furniture(i)]
        if not story:
            return blocks
        first, last = self._extend(blocks, text, votes, story[0], story[-1], furniture)
        out = []
        for i, block in enumerate(blocks):
            if block["kind"] not in _TEXT_KINDS:
                if block.get("_core") or first <= i <= last:
                    out.append(block)
            elif first <= i <= last and not furniture(i):
                out.append(block)
        return out

    @staticmethod
    def _extend(
        blocks: list[dict[str, Any]], text: list[int], votes: set[int], first: int, last: int, furniture: Any
    ) -> tuple[int, int]:
        """Widen the story from the core container to kept blocks next to it (a lead set in
        a sibling container), across at most two blocks that are not kept."""
        for step in (-1, 1):
            edge = first if step < 0 else last
            gap = 0
            for i in text[::step]:
                if (step < 0 and i >= edge) or (step > 0 and i <= edge):
                    continue
                near = blocks[i].get("_near") and not furniture(i)
                if near and (i in votes or (blocks[i].get("_core") and _prose(blocks[i]))):
                    edge, gap = i, 0
                else:
                    gap += 1
                    if gap > 2:
                        break
            first, last = (edge, last) if step < 0 else (first, edge)
        return first, last

    def paragraphs(self) -> list[dict[str, Any]]:
        """trafilatura's own lines as plain paragraphs: the last resort when none of our
        blocks carries the story it found (markup we cannot walk)."""
        return [
            {"id": "", "kind": "paragraph", "text": line, "html": html_lib.escape(line, quote=False), "attrs": {}}
            for line in self.lines
        ]


def _locate_body(doc: Any, votes: _Votes) -> tuple[Any, Any]:
    """The element holding the story: the deepest one with most of trafilatura's text.

    Returns the container to walk, which holds 95% of that text, so a story split over
    sibling containers (lead in one, body in another) is taken whole, and the core, the
    deepest element with 80% of it: `_Votes.filter` keeps the core's story and widens it only
    to kept blocks next to it, so what the wide container adds around the story is trimmed.
    """
    body = doc.find(".//body")
    if body is None:
        body = doc
    votes.weigh(body)
    if not votes.total:
        fallback = _fallback_body(body)
        return fallback, fallback
    found = []
    for share in (0.95, 0.8):
        best, best_depth = body, 0
        for node, weight in votes.weights.items():
            if weight >= share * votes.total and _tag(node) not in _PARAGRAPHISH - {"div", "td"}:
                depth = sum(1 for _ in node.iterancestors())
                if depth > best_depth:
                    best, best_depth = node, depth
        found.append(best)
    return found[0], found[1]


def _fallback_body(body: Any) -> Any:
    """Without trafilatura's vote: the element with the most paragraph text as children."""
    scores: dict[Any, int] = {}
    for p in body.iter("p"):
        parent = p.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + len(normalize_text(_raw_text(p)))
    return max(scores, key=lambda k: scores[k]) if scores else body


# --------------------------------------------------------------------------- metadata

_ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
    "report", "scholarlyarticle", "techarticle", "socialmediaposting",
}  # fmt: skip


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return {str(v).lower().rsplit("/", 1)[-1] for v in values}


def _jsonld_nodes(raw_tree: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []

    def collect(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            nodes.append(value)
            if "@graph" in value:
                collect(value["@graph"])

    for script in raw_tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            collect(json.loads(script.text or "", strict=False))
        except ValueError:
            continue
    return nodes


def _parse_instant(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text, or None: a naive time would need a guess."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    match = re.match(r"\s*([a-zA-Z]{2,3})(?:[-_]|$)", value)
    return match.group(1).lower() if match else None


@dataclass
class _Meta:
    """Everything the page says about itself in `<head>`-like places."""

    metas: dict[str, list[str]]
    jsonld: list[dict[str, Any]]
    html_lang: str | None
    canonical: str | None
    head_title: str | None

    def first(self, *names: str) -> str | None:
        for name in names:
            for value in self.metas.get(name, []):
                if value.strip():
                    return value.strip()
        return None

    @property
    def article(self) -> dict[str, Any] | None:
        for node in self.jsonld:
            if _types(node) & _ARTICLE_TYPES:
                return node
        return None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
            for node in self.jsonld:
                if node.get("@id") == value["@id"] and len(node) > 2:
                    return node
        return value


def _site_host(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _canonical_url(href: str | None, *, url: str) -> str | None:
    """The page's `<link rel=canonical>` if it can be the story's address: absolute http(s)
    on the same site as the page (`www.` aside). A relative one is not adopted (CMS templates
    emit "/" or a path on the wrong section), nor another site's. Whether it loads is for the
    importer to check (`importing.canonical_checked`): this module fetches nothing."""
    if not href:
        return None
    href = href.strip()
    try:
        parts, page = urlsplit(href), urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username or parts.password:
        return None
    if _site_host(parts.hostname) != _site_host(page.hostname or ""):
        return None
    return href


def _read_meta(raw_tree: Any, *, url: str) -> _Meta:
    metas: dict[str, list[str]] = {}
    for meta in raw_tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content is not None:
            metas.setdefault(key.strip().lower(), []).append(content)
    canonical = None
    for link in raw_tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and canonical is None:
            canonical = _canonical_url(link.get("href"), url=url)
    html_el = raw_tree if _tag(raw_tree) == "html" else raw_tree.find(".//html")
    html_lang = None
    if html_el is not None:
        html_lang = html_el.get("lang") or html_el.get("{http://www.w3.org/XML/1998/namespace}lang")
    title_el = raw_tree.find(".//title")
    head_title = normalize_text(title_el.text_content()) if title_el is not None else None
    return _Meta(metas, _jsonld_nodes(raw_tree), html_lang, canonical, head_title or None)


def _names(value: Any, meta: _Meta) -> list[str]:
    out: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        item = meta.resolve(item)
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            if _types(item) & {"organization", "newsmediaorganization"}:
                continue
            raw_name = item.get("name")
            name = raw_name if isinstance(raw_name, str) else ""
        else:
            continue
        name = normalize_text(name or "")
        if name and not re.match(r"https?://", name) and name not in out:
            out.append(name)
    return out


def _authors(meta: _Meta, doc: Any, body: Any) -> list[str]:
    article = meta.article
    if article and article.get("author"):
        names = _names(article["author"], meta)
        if names:
            return names
    for key in ("author", "article:author", "dc.creator", "sailthru.author"):
        for value in meta.metas.get(key, []):
            value = normalize_text(value)
            if value and not re.match(r"https?://", value):
                return [value]
    # Bylines in the page itself, outside the body and outside comment threads.
    body_nodes = set(body.iter())
    for el in doc.iter():
        if el in body_nodes or _in_comments(el):
            continue
        text = ""
        if el.get("itemprop") == "author":
            name = next((n for n in el.iter() if n.get("itemprop") == "name"), el)
            text = normalize_text(_raw_text(name))
        elif "author" in (el.get("rel") or "").split():
            text = normalize_text(_raw_text(el))
        if text and len(text) < 80:
            return [re.sub(r"^[^:]{1,20}:\s*", "", text)]
    return []


def _in_comments(el: Any) -> bool:
    for node in el.iterancestors():
        words, _ = _class_words(node)
        if words & {"comment", "comments", "commentlist"}:
            return True
    return False


def _time_value(doc: Any, body: Any, *, kind: str) -> datetime | None:
    """`<time>`/itemprop dates in the article, never those of comments."""
    props = {"published": ("datepublished",), "modified": ("datemodified",)}[kind]
    classes = {"published": {"published", "pubdate", "date-published"}, "modified": {"updated", "modified"}}[kind]
    for el in doc.iter("time", "meta", "span", "div"):
        if _in_comments(el):
            continue
        value = el.get("datetime") or el.get("content")
        if (el.get("itemprop") or "").lower() in props:
            parsed = _parse_instant(value)
            if parsed:
                return parsed
        words, _ = _class_words(el)
        if _tag(el) == "time" and (words & classes or (kind == "published" and el.get("pubdate") is not None)):
            parsed = _parse_instant(value)
            if parsed:
                return parsed
    if kind == "published":
        # A lone <time datetime> before the body is the dateline; any later ones are not.
        body_nodes = set(body.iter())
        for el in doc.iter("time"):
            if el in body_nodes:
                break
            if _in_comments(el):
                continue
            parsed = _parse_instant(el.get("datetime"))
            if parsed:
                return parsed
    return None


def _dates(meta: _Meta, doc: Any, body: Any) -> tuple[datetime | None, datetime | None]:
    article = meta.article or {}
    published = _parse_instant(article.get("datePublished"))
    published = published or _parse_instant(meta.first("article:published_time", "og:published_time"))
    published = published or _time_value(doc, body, kind="published")
    modified = _parse_instant(article.get("dateModified"))
    modified = modified or _parse_instant(meta.first("article:modified_time", "og:updated_time", "og:modified_time"))
    modified = modified or _time_value(doc, body, kind="modified")
    return published, modified


def _tags(meta: _Meta, doc: Any) -> list[str]:
    values: list[str] = []
    keywords = (meta.article or {}).get("keywords")
    if isinstance(keywords, str):
        values = keywords.split(",")
    elif isinstance(keywords, list):
        values = [str(k) for k in keywords]
    if not values:
        values = meta.metas.get("article:tag", [])
    if not values:
        values = [_raw_text(a) for a in doc.iter("a") if "tag" in (a.get("rel") or "").split()]
    out: list[str] = []
    for value in values:
        value = normalize_text(value)
        if value and value not in out:
            out.append(value)
    return out


_TITLE_SEPARATORS = re.compile(r"\s+[|—–\-:·»/]+\s+")


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    if not site_name:
        return title
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1 and (normalize_text(parts[-1]) == site_name or normalize_text(parts[0]) == site_name):
        matches = list(_TITLE_SEPARATORS.finditer(title))
        if normalize_text(parts[-1]) == site_name:
            return title[: matches[-1].start()].strip()
        return title[matches[0].end() :].strip()
    return title


def _title(meta: _Meta, doc: Any, site_name: str | None) -> tuple[str, Any]:
    h1 = next((h for h in doc.iter("h1") if not _in_comments(h) and normalize_text(_raw_text(h))), None)
    h1_text = normalize_text(_raw_text(h1)) if h1 is not None else ""
    headline = (meta.article or {}).get("headline")
    for candidate in (
        meta.first("og:title", "twitter:title"),
        headline if isinstance(headline, str) else None,
        h1_text,
    ):
        if candidate and normalize_text(candidate):
            return _strip_site_suffix(normalize_text(candidate), site_name), h1
    head = meta.head_title or ""
    if head and not site_name:
        head = _TITLE_SEPARATORS.split(head)[0]
    return _strip_site_suffix(head, site_name), h1


def _headlines(meta: _Meta, title: str, h1: Any) -> frozenset[str]:
    """Every spelling of the story's headline the page gives (title, og:title, JSON-LD, h1)."""
    headline = (meta.article or {}).get("headline")
    values = [title, meta.first("og:title", "twitter:title"), headline if isinstance(headline, str) else None]
    values += [_raw_text(h1) if h1 is not None else None, meta.head_title]
    if meta.head_title:
        values.append(_TITLE_SEPARATORS.split(meta.head_title)[0])
    return frozenset(k for k in (normalize_text(v) for v in values if v) if len(k) >= 15)


def _site_name(meta: _Meta) -> str | None:
    name = meta.first("og:site_name", "application-name")
    if name:
        return normalize_text(name)
    publisher = meta.resolve((meta.article or {}).get("publisher"))
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return normalize_text(publisher["name"]) or None
    for node in meta.jsonld:
        if "website" in _types(node) and isinstance(node.get("name"), str):
            return normalize_text(node["name"]) or None
    return None


_LEAD_WORDS = {"lead", "standfirst", "subtitle", "subheading", "dek", "intro", "summary", "excerpt", "deck"}


def _lead(doc: Any, body: Any, h1: Any, description: str | None) -> str | None:
    """The standfirst: set between the headline and the body, not part of the body."""
    if h1 is None:
        return None
    body_nodes = set(body.iter())
    started = False
    for el in doc.iter():
        if el is h1:
            started = True
            continue
        if not started:
            continue
        if el is body:
            break
        if el in body_nodes or _tag(el) not in {"p", "div", "span", "h2", "strong"} or _has_block_child(el):
            continue
        text = normalize_text(_raw_text(el))
        if len(text) < 30:
            continue
        if any(_tag(a) == "figure" or _is_caption(a) for a in (el, *el.iterancestors())):
            continue  # a photo caption is never the standfirst, whatever its class says
        words, _ = _class_words(el)
        if words & _LEAD_WORDS or (description and text == normalize_text(description)):
            return _clean_text(_raw_text(el))
    return None


def _paywalled(meta: _Meta, doc: Any) -> tuple[bool, list[str]]:
    """Whether the page says its text is behind a wall, and which class marks the wall."""
    article = meta.article or {}
    flag = article.get("isAccessibleForFree")
    locked = str(flag).strip().lower() in {"false", "no", "0"} if flag is not None else False
    locked = locked or (meta.first("article:content_tier") or "").lower() in {"locked"}
    wall_classes: list[str] = []
    parts = article.get("hasPart")
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, dict) and isinstance(part.get("cssSelector"), str):
            wall_classes += re.findall(r"\.([\w-]+)", part["cssSelector"])
    if not locked:
        for el in doc.iter():
            words, _ = _class_words(el)
            if "paywall" in words and not _is_hidden(el) and normalize_text(_raw_text(el)):
                locked = True
                break
    return locked, wall_classes


# --------------------------------------------------------------------------- public API


@dataclass
class ExtractedArticle:
    """One source page as the importer stores it."""

    url: str
    canonical: str | None
    charset: str
    language: str | None
    site_name: str | None
    title: str
    lead: str | None
    published: datetime | None
    modified: datetime | None
    authors: list[str]
    tags: list[str]
    paywalled: bool
    blocks: list[dict[str, Any]]


def _parse_raw(text: str) -> Any:
    # lxml refuses str input that carries an XML encoding declaration (XHTML pages).
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return lxml.html.document_fromstring(text or "<html></html>")
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html></html>")


def _structure_tree(text: str) -> tuple[str, Any]:
    structure = _sanitise_structure(text)
    return structure, lxml.html.document_fromstring(f"<html><body>{structure}</body></html>")


def _remove_walls(doc: Any, wall_classes: list[str], votes: _Votes) -> None:
    """Drop the paywall boxes the page names, never one that holds the story (sites also put
    `cssSelector` on the metered story itself)."""
    for el in list(doc.iter()):
        words, _ = _class_words(el)
        if set(wall_classes) & words and el.getparent() is not None and not votes.holds_story(el, 0.5):
            el.drop_tree()


def _detect_language(blocks: list[dict[str, Any]], title: str) -> str | None:
    sample = " ".join([title] + [b["text"] for b in blocks if b["text"]])[:5000]
    if len(sample.strip()) < 20:
        return None
    code, _score = py3langid.classify(sample)
    return str(code)


def extract_article(*, content: bytes, url: str, headers: dict[str, str] | None = None) -> ExtractedArticle:
    """Extract metadata and body blocks from a page's bytes.

    `url` is the address the bytes came from (after redirects); links and images are
    resolved against it. `headers` are the HTTP response headers (only Content-Type is read).
    Pure: nothing is fetched.
    """
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    charset, text = decode_html(content=content, content_type=lowered.get("content-type"))
    text = _strip_controls(text)
    # libxml2 reads `<embed>` as a container and would nest the rest of the page in it.
    raw_tree = _parse_raw(_EMBED_TAG.sub("", text))
    meta = _read_meta(raw_tree, url=url)
    _structure, doc = _structure_tree(text)
    paywalled, wall_classes = _paywalled(meta, doc)
    votes = _Votes(_trafilatura_lines(raw_tree))  # last use of raw_tree: trafilatura changes it
    body, core = _locate_body(doc, votes)
    _remove_walls(doc, wall_classes, votes)

    site_name = _site_name(meta)
    title, h1 = _title(meta, doc, site_name)
    headlines = _headlines(meta, title, h1)
    blocks = _Walker(base_url=url, title_key=normalize_text(title), headlines=headlines, votes=votes, core=core).walk(
        body
    )
    # The headline element above the body is gone by now (lxml parents are unaffected).
    published, modified = _dates(meta, doc, body)
    language = (
        _lang_code(meta.html_lang)
        or _lang_code(meta.first("og:locale"))
        or _lang_code(
            (meta.article or {}).get("inLanguage") if isinstance((meta.article or {}).get("inLanguage"), str) else None
        )
        or _detect_language(blocks, title)
    )
    description = meta.first("og:description", "description")
    return ExtractedArticle(
        url=meta.canonical or url,
        canonical=meta.canonical,
        charset=charset,
        language=language,
        site_name=site_name,
        title=title,
        lead=_lead(doc, body, h1, description),
        published=published,
        modified=modified,
        authors=_authors(meta, doc, body),
        tags=_tags(meta, doc),
        paywalled=paywalled,
        blocks=blocks,
    )


_LOOKS_LIKE_HTML = re.compile(
    r"<\s*(p|div|br|h[1-6]|ul|ol|li|blockquote|figure|img|a|strong|em|b|i|span|iframe|table)\b", re.I
)


def blocks_from_pasted(*, text_or_html: str) -> list[dict[str, Any]]:
    """Blocks for the manual import form: pasted HTML is walked like a page body, plain
    text is split on blank lines. Same sanitising and ids as `extract_article`, so a pasted
    paragraph and the same paragraph fetched later share an id."""
    text_or_html = _strip_controls(text_or_html)
    if _LOOKS_LIKE_HTML.search(text_or_html):
        _structure, doc = _structure_tree(text_or_html)
        body = doc.find(".//body")
        return _Walker(base_url="https://invalid.example/").walk(body if body is not None else doc)
    blocks: list[dict[str, Any]] = []
    for part in re.split(r"\n[ \t\u00a0]*\n", text_or_html.replace("\r\n", "\n").replace("\r", "\n")):
        text = _clean_text(part)
        if not text:
            continue
        lines = [html_lib.escape(_clean_text(line), quote=False) for line in part.split("\n") if line.strip()]
        blocks.append({"id": "", "kind": "paragraph", "text": text, "html": "<br>".join(lines), "attrs": {}})
    return _assign_ids(blocks)
