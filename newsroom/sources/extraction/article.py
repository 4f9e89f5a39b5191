"""The pipeline: `extract_article` (a fetched page) and `blocks_from_pasted` (the manual form)."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .blocks import assign_ids
from .clutter import class_words
from .confidence import Confidence, extraction_confidence
from .decoding import decode_html
from .metadata import (
    detect_language,
    lang_code,
    read_authors,
    read_dates,
    read_headlines,
    read_lead,
    read_meta,
    read_paywall,
    read_site_name,
    read_tags,
    read_title,
)
from .sanitising import EMBED_TAG, parse_raw, structure_tree
from .text import clean_text, normalize_text, strip_controls
from .voting import Votes, locate_body, trafilatura_lines
from .walker import Walker


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
    # How sure the importer is of the text (`confidence.py`); None for pasted text.
    confidence: Confidence | None = None


def _remove_walls(doc: Any, wall_classes: list[str], votes: Votes) -> None:
    """Drop the paywall boxes the page names, never one that holds the story (sites also put
    `cssSelector` on the metered story itself)."""
    for el in list(doc.iter()):
        words, _ = class_words(el)
        if set(wall_classes) & words and el.getparent() is not None and not votes.holds_story(el, 0.5):
            el.drop_tree()


def extract_article(*, content: bytes, url: str, headers: dict[str, str] | None = None) -> ExtractedArticle:
    """Extract metadata and body blocks from a page's bytes.

    `url` is the address the bytes came from (after redirects); links and images are
    resolved against it. `headers` are the HTTP response headers (only Content-Type is read).
    Pure: nothing is fetched.
    """
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    charset, text = decode_html(content=content, content_type=lowered.get("content-type"))
    text = strip_controls(text)
    # libxml2 reads `<embed>` as a container and would nest the rest of the page in it.
    raw_tree = parse_raw(EMBED_TAG.sub("", text))
    meta = read_meta(raw_tree, url=url)
    _structure, doc = structure_tree(text)
    paywalled, wall_classes = read_paywall(meta, doc)
    votes = Votes(trafilatura_lines(raw_tree))  # last use of raw_tree: trafilatura changes it
    body, core = locate_body(doc, votes)
    _remove_walls(doc, wall_classes, votes)

    site_name = read_site_name(meta)
    title, h1 = read_title(meta, doc, site_name)
    headlines = read_headlines(meta, title, h1)
    walker = Walker(base_url=url, title_key=normalize_text(title), headlines=headlines, votes=votes, core=core)
    blocks = walker.walk(body)
    # The headline element above the body is gone by now (lxml parents are unaffected).
    published, modified = read_dates(meta, doc, body)
    language = (
        lang_code(meta.html_lang)
        or lang_code(meta.first("og:locale"))
        or lang_code(
            (meta.article or {}).get("inLanguage") if isinstance((meta.article or {}).get("inLanguage"), str) else None
        )
        or detect_language(blocks, title)
    )
    description = meta.first("og:description", "description")
    return ExtractedArticle(
        url=meta.canonical or url,
        canonical=meta.canonical,
        charset=charset,
        language=language,
        site_name=site_name,
        title=title,
        lead=read_lead(doc, body, h1, description),
        published=published,
        modified=modified,
        authors=read_authors(meta, doc, body),
        tags=read_tags(meta, doc),
        paywalled=paywalled,
        blocks=blocks,
        confidence=extraction_confidence(blocks=blocks, reference=votes.lines, core_share=walker.core_share),
    )


_LOOKS_LIKE_HTML = re.compile(
    r"<\s*(p|div|br|h[1-6]|ul|ol|li|blockquote|figure|img|a|strong|em|b|i|span|iframe|table)\b", re.I
)


def blocks_from_pasted(*, text_or_html: str) -> list[dict[str, Any]]:
    """Blocks for the manual import form: pasted HTML is walked like a page body, plain
    text is split on blank lines. Same sanitising and ids as `extract_article`, so a pasted
    paragraph and the same paragraph fetched later share an id."""
    text_or_html = strip_controls(text_or_html)
    if _LOOKS_LIKE_HTML.search(text_or_html):
        _structure, doc = structure_tree(text_or_html)
        body = doc.find(".//body")
        return Walker(base_url="https://invalid.example/").walk(body if body is not None else doc)
    blocks: list[dict[str, Any]] = []
    for part in re.split(r"\n[ \t\u00a0]*\n", text_or_html.replace("\r\n", "\n").replace("\r", "\n")):
        text = clean_text(part)
        if not text:
            continue
        lines = [html_lib.escape(clean_text(line), quote=False) for line in part.split("\n") if line.strip()]
        blocks.append({"id": "", "kind": "paragraph", "text": text, "html": "<br>".join(lines), "attrs": {}})
    return assign_ids(blocks)
