"""The two sanitising passes (nh3 = html5ever) and safe URLs.

The structure pass keeps classes and ids (the boilerplate signals) for the walker; the inline
pass is the desk's one allow-list, `newsroom.core.html` (`INLINE_TAGS`, `INLINE_ATTRIBUTES`),
with links limited to absolute http(s). Also the two parses: the raw page (metadata,
trafilatura) and the sanitised structure tree (the walker)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

from newsroom.core import html

from .text import WS_NO_NBSP

_STRUCTURE_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption",
    "center", "cite", "code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i",
    "iframe", "img", "ins", "meta", "kbd", "li", "main", "mark", "nav", "ol", "p", "picture", "pre", "q",
    "s", "samp", "script", "section", "small", "span", "strike", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
    "noscript", "form", "input",
}  # fmt: skip
# `<form>` and `<input>` stay, with what says a form's purpose: a sign-up, log-in or search
# form is furniture (`furniture.py`), while ASP.NET pages wrap the whole page, story included,
# in one form that must be read. Buttons, selects and text areas go with their content (their
# words are never story). `<noscript>` stays as
# an element: some pages put the story's text there; the walker reads its text and skips the
# duplicate of a lazy-loaded image.
_STRUCTURE_DROP_WITH_CONTENT = {
    "style", "template", "title", "textarea", "select", "option", "svg", "math",
    "object", "video", "audio", "button", "canvas", "map", "dialog", "frameset",
    "noembed", "noframes", "xmp", "plaintext",
}  # fmt: skip
_STRUCTURE_ATTRS = {
    "*": {
        "class",
        "id",
        "lang",
        "hidden",
        "aria-hidden",
        "itemprop",
        "role",
        "style",
        "datetime",
        "rel",
        "data-credit",
    },
    "a": {"href"},
    "img": {"src", "data-src", "data-lazy-src", "data-original", "alt"},
    "iframe": {"src", "data-src"},
    "script": {"src", "data-telegram-post"},
    "blockquote": {"cite"},
    # a picture's photographer in schema.org microdata (credits.picture_credit)
    "meta": {"itemprop", "content"},
    # what a form is for (furniture.is_service_form): its action and role, its inputs' kinds
    "form": {"action"},
    "input": {"type", "name", "placeholder", "autocomplete"},
}


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


def sanitise_inline(markup: str) -> str:
    """Final pass for a block's html: the desk's inline allow-list (`core/html.py`), with
    links only absolute http(s) (the walker has resolved them against the page URL)."""
    cleaned = nh3.clean(
        markup,
        tags=html.INLINE_TAGS,
        clean_content_tags={"script", "style"},
        attributes=html.INLINE_ATTRIBUTES,
        link_rel=html.LINK_REL,
        url_schemes={"http", "https"},
        url_relative="deny",
        strip_comments=True,
    )
    return WS_NO_NBSP.sub(" ", cleaned).strip()


def safe_url(value: str | None, *, base: str) -> str | None:
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


# libxml2 reads `<embed>` as a container and would nest the rest of the page in it.
EMBED_TAG = re.compile(r"</?embed\b[^>]*>", re.IGNORECASE)


def parse_raw(text: str) -> Any:
    # lxml refuses str input that carries an XML encoding declaration (XHTML pages).
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return lxml.html.document_fromstring(text or "<html></html>")
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html></html>")


def structure_tree(text: str) -> tuple[str, Any]:
    structure = _sanitise_structure(text)
    return structure, lxml.html.document_fromstring(f"<html><body>{structure}</body></html>")
