"""What a page says about itself: JSON-LD, `<meta>`, `<time datetime>`, bylines, title, lead,
paywall flags, language. Read, never guessed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import py3langid

from .clutter import class_words, is_caption, is_hidden
from .text import clean_text, normalize_text
from .tree import has_block_child, raw_text, tag_name

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


def lang_code(value: str | None) -> str | None:
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


def read_meta(raw_tree: Any, *, url: str) -> _Meta:
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
    html_el = raw_tree if tag_name(raw_tree) == "html" else raw_tree.find(".//html")
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


def read_authors(meta: _Meta, doc: Any, body: Any) -> list[str]:
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
            text = normalize_text(raw_text(name))
        elif "author" in (el.get("rel") or "").split():
            text = normalize_text(raw_text(el))
        if text and len(text) < 80:
            return [re.sub(r"^[^:]{1,20}:\s*", "", text)]
    return []


def _in_comments(el: Any) -> bool:
    for node in el.iterancestors():
        words, _ = class_words(node)
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
        words, _ = class_words(el)
        if tag_name(el) == "time" and (words & classes or (kind == "published" and el.get("pubdate") is not None)):
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


def read_dates(meta: _Meta, doc: Any, body: Any) -> tuple[datetime | None, datetime | None]:
    article = meta.article or {}
    published = _parse_instant(article.get("datePublished"))
    published = published or _parse_instant(meta.first("article:published_time", "og:published_time"))
    published = published or _time_value(doc, body, kind="published")
    modified = _parse_instant(article.get("dateModified"))
    modified = modified or _parse_instant(meta.first("article:modified_time", "og:updated_time", "og:modified_time"))
    modified = modified or _time_value(doc, body, kind="modified")
    return published, modified


def read_tags(meta: _Meta, doc: Any) -> list[str]:
    values: list[str] = []
    keywords = (meta.article or {}).get("keywords")
    if isinstance(keywords, str):
        values = keywords.split(",")
    elif isinstance(keywords, list):
        values = [str(k) for k in keywords]
    if not values:
        values = meta.metas.get("article:tag", [])
    if not values:
        values = [raw_text(a) for a in doc.iter("a") if "tag" in (a.get("rel") or "").split()]
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


def read_title(meta: _Meta, doc: Any, site_name: str | None) -> tuple[str, Any]:
    h1 = next((h for h in doc.iter("h1") if not _in_comments(h) and normalize_text(raw_text(h))), None)
    h1_text = normalize_text(raw_text(h1)) if h1 is not None else ""
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


def read_headlines(meta: _Meta, title: str, h1: Any) -> frozenset[str]:
    """Every spelling of the story's headline the page gives (title, og:title, JSON-LD, h1)."""
    headline = (meta.article or {}).get("headline")
    values = [title, meta.first("og:title", "twitter:title"), headline if isinstance(headline, str) else None]
    values += [raw_text(h1) if h1 is not None else None, meta.head_title]
    if meta.head_title:
        values.append(_TITLE_SEPARATORS.split(meta.head_title)[0])
    return frozenset(k for k in (normalize_text(v) for v in values if v) if len(k) >= 15)


def read_site_name(meta: _Meta) -> str | None:
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


def read_lead(doc: Any, body: Any, h1: Any, description: str | None) -> str | None:
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
        if el in body_nodes or tag_name(el) not in {"p", "div", "span", "h2", "strong"} or has_block_child(el):
            continue
        text = normalize_text(raw_text(el))
        if len(text) < 30:
            continue
        if any(tag_name(a) == "figure" or is_caption(a) for a in (el, *el.iterancestors())):
            continue  # a photo caption is never the standfirst, whatever its class says
        words, _ = class_words(el)
        if words & _LEAD_WORDS or (description and text == normalize_text(description)):
            return clean_text(raw_text(el))
    return None


def read_paywall(meta: _Meta, doc: Any) -> tuple[bool, list[str]]:
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
            words, _ = class_words(el)
            if "paywall" in words and not is_hidden(el) and normalize_text(raw_text(el)):
                locked = True
                break
    return locked, wall_classes


def detect_language(blocks: list[dict[str, Any]], title: str) -> str | None:
    sample = " ".join([title] + [b["text"] for b in blocks if b["text"]])[:5000]
    if len(sample.strip()) < 20:
        return None
    code, _score = py3langid.classify(sample)
    return str(code)
