"""Read an RSS or Atom feed into the list of story URLs to import.

Pure: `parse_feed()` gets the bytes `fetching.fetch(accept="feed")` returned and touches
nothing else. Feeds come from other people's servers, so the bytes are first parsed by
defusedxml with entity declarations and external references forbidden: a billion-laughs
bomb, a quadratic blow-up and an XXE are refused at the declaration, before anything is
expanded, read or fetched. Only then does feedparser interpret the feed; if it flags the
document as broken (`bozo`) the whole feed is refused, because feedparser still returns the
items before the break and a half-imported feed is worse than a clear error.

An HTML page served at a feed address is reported as such, with the feeds it advertises.

Items: Atom entries use their `rel="alternate"` link (a link without `rel` is alternate);
links are stripped of whitespace and resolved against the feed URL; items that point at the
same page (same normalised URL, different guid) are kept once, the first seen.
`published` is the item's own publication time as an aware datetime, never its update time.
"""

from __future__ import annotations

import calendar
import re
import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import defusedxml.ElementTree
import feedparser
import lxml.html
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

__all__ = ["FeedEntry", "FeedRejected", "ParsedFeed", "parse_feed"]


class FeedRejected(Exception):  # noqa: N818 - the desk's word: a feed is rejected, not an error
    """The feed was refused as a whole; `kind` is machine-readable, `message` is for editors.

    Kinds: billion_laughs, quadratic_blowup, entity_declaration, external_entity,
    malformed, html_not_feed, not_a_feed.
    """

    def __init__(self, kind: str, message: str, *, advertised_feeds: list[str] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.advertised_feeds = advertised_feeds or []


@dataclass(frozen=True)
class FeedEntry:
    """One story the feed points at."""

    url: str
    title: str
    published: datetime | None
    guid: str | None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: `format` is "rss" or "atom", `version` feedparser's exact name."""

    format: str
    version: str
    title: str
    items: list[FeedEntry]
    raw_item_count: int
    duplicates: dict[str, list[str]] = field(default_factory=dict)


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_FEED_LINK_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}


def _advertised_feeds(content: bytes, url: str) -> list[str]:
    try:
        tree = lxml.html.document_fromstring(content)
    except (ValueError, lxml.etree.ParserError):
        return []
    out: list[str] = []
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "alternate" in rels and (link.get("type") or "").lower().strip() in _FEED_LINK_TYPES and link.get("href"):
            href = urljoin(url, link.get("href", "").strip())
            if href not in out:
                out.append(href)
    return out


def _entity_kind(content: bytes) -> str:
    """Tell a nested bomb from a flat blow-up by reading the declarations only.

    expat reports declarations before the first element; parsing stops there, so no
    entity is ever referenced, expanded or fetched (expat never fetches by itself).
    """
    declared: dict[str, str] = {}

    class _Stop(Exception):
        pass

    def on_entity(name: str, _is_param: int, value: str | None, *_rest: Any) -> None:
        declared[name] = value or ""

    def on_start(*_args: Any) -> None:
        raise _Stop

    parser = xml.parsers.expat.ParserCreate()
    parser.EntityDeclHandler = on_entity
    parser.StartElementHandler = on_start
    try:
        parser.Parse(content, True)
    except (_Stop, xml.parsers.expat.ExpatError):
        pass
    if any(re.search(rf"&{re.escape(other)};", value) for value in declared.values() for other in declared):
        return "billion_laughs"
    if any(len(value) >= 1000 for value in declared.values()):
        return "quadratic_blowup"
    return "entity_declaration"


def _refuse_unsafe_xml(content: bytes) -> None:
    try:
        defusedxml.ElementTree.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise FeedRejected(
                "external_entity",
                "The feed refers to outside files or addresses through XML entities and was refused without reading them.",
            ) from exc
        kind = _entity_kind(content)
        message = {
            "billion_laughs": "The feed contains an entity-expansion bomb (nested XML entities) and was refused without expanding it.",
            "quadratic_blowup": "The feed declares a huge XML entity meant to be repeated (a quadratic blow-up) and was refused without expanding it.",
            "entity_declaration": "The feed declares its own XML entities, which the importer does not accept.",
        }[kind]
        raise FeedRejected(kind, message) from exc
    except (ExternalReferenceForbidden, DTDForbidden) as exc:
        raise FeedRejected(
            "external_entity",
            "The feed refers to outside files or addresses through XML entities and was refused without reading them.",
        ) from exc
    except defusedxml.ElementTree.ParseError as exc:
        raise FeedRejected(
            "malformed", f"The feed is not well-formed XML ({exc}), so none of it was imported."
        ) from exc


def _normalised(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def _entry_link(entry: Any) -> str | None:
    links = entry.get("links") or []
    alternates = [link for link in links if (link.get("rel") or "alternate") == "alternate" and link.get("href")]
    html_alternates = [
        link for link in alternates if (link.get("type") or "text/html") in {"text/html", "application/xhtml+xml"}
    ]
    chosen = (html_alternates or alternates or [None])[0]
    href = chosen.get("href") if chosen else entry.get("link")
    return str(href).strip() if href else None


def _published(entry: Any) -> datetime | None:
    raw = entry.get("published")
    if isinstance(raw, str) and raw.strip():
        raw = raw.strip()
        for parse in (parsedate_to_datetime, lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))):
            try:
                parsed = parse(raw)
            except (TypeError, ValueError, IndexError):
                continue
            if parsed.tzinfo is not None:
                return parsed
        parsed_struct = entry.get("published_parsed")
        if parsed_struct:
            return datetime.fromtimestamp(calendar.timegm(parsed_struct), tz=UTC)  # feedparser gives UTC
    return None


def parse_feed(*, content: bytes, url: str) -> ParsedFeed:
    """Parse feed bytes fetched from `url`; raise `FeedRejected` if the feed must be refused."""
    if _HTML_START.match(content[:4096]):
        advertised = _advertised_feeds(content, url)
        hint = f" It advertises these feeds: {', '.join(advertised)}." if advertised else ""
        raise FeedRejected(
            "html_not_feed",
            f"This address serves a web page, not an RSS or Atom feed.{hint}",
            advertised_feeds=advertised,
        )
    _refuse_unsafe_xml(content)
    parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        raise FeedRejected(
            "malformed",
            f"The feed is broken ({parsed.get('bozo_exception')}), so none of it was imported.",
        )
    version = str(parsed.get("version") or "")
    if version.startswith("rss"):
        fmt = "rss"
    elif version.startswith("atom"):
        fmt = "atom"
    else:
        raise FeedRejected("not_a_feed", "This address serves XML that is neither an RSS nor an Atom feed.")

    items: list[FeedEntry] = []
    seen: dict[str, FeedEntry] = {}
    duplicates: dict[str, list[str]] = {}
    for entry in parsed.entries:
        link = _entry_link(entry)
        if not link:
            continue
        try:
            absolute = urljoin(url, link)
            if urlsplit(absolute).scheme not in {"http", "https"}:
                continue
            key = _normalised(absolute)
        except ValueError:  # a port out of range or a broken IPv6 host: skip the item, keep the feed
            continue
        guid = entry.get("id")
        if key in seen:
            duplicates.setdefault(absolute, [seen[key].guid or ""]).append(guid or "")
            continue
        item = FeedEntry(
            url=absolute,
            title=re.sub(r"\s+", " ", str(entry.get("title") or "")).strip(),
            published=_published(entry),
            guid=guid,
        )
        seen[key] = item
        items.append(item)
    return ParsedFeed(
        format=fmt,
        version=version,
        title=re.sub(r"\s+", " ", str(parsed.feed.get("title") or "")).strip(),
        items=items,
        raw_item_count=len(parsed.entries),
        duplicates=duplicates,
    )
