"""What page furniture looks like: class/id words, hidden boxes, captions away from their
picture, furniture headings and credit/boilerplate lines, pop-up cards and teaser cards."""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

from .text import normalize_text
from .tree import BLOCK_TAGS, raw_text, tag_name

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


def class_words(el: Any) -> tuple[frozenset[str], str]:
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


def is_clutter(el: Any) -> bool:
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


def is_hidden(el: Any) -> bool:
    if el.get("hidden") is not None:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    # aria-hidden on a block (a faded paywall teaser) hides text; on an inline span it is
    # usually a decorative drop cap whose letter belongs to the word.
    return el.get("aria-hidden") == "true" and el.tag in BLOCK_TAGS


_CAPTION_WORDS = {"caption", "captions", "credit", "credits", "figcaption", "photocredit", "copyright"}


def is_caption(el: Any) -> bool:
    """A caption or photo credit set outside a `<figure>` ("wp-caption-text", "image-credit",
    "newsCaption": class tokens split on "-", "_" and camelCase humps)."""
    if tag_name(el) == "figcaption":
        return True
    cls, ident = el.get("class"), el.get("id")
    return bool((cls or ident) and _caption_tokens(f"{cls or ''} {ident or ''}"))


@functools.lru_cache(maxsize=4096)
def _caption_tokens(raw: str) -> bool:
    words = re.split(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])", raw)
    return any(w.lower() in _CAPTION_WORDS for w in words)


# Headings that introduce page furniture, not a section of the story.
FURNITURE_HEADING = re.compile(
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
CREDIT_LINE = re.compile(r"^\s*(©|\(c\)\s|copyright\b|\(?(additional )?reporting by\b|photo:|фото:)", re.IGNORECASE)

# Site-wide notices that publishers print under or around every story (reprint and copyright
# notices, citation boxes, "enable JavaScript" placeholders, form messages): never story text.
BOILERPLATE_LINE = re.compile(
    r"^\s*(this copy is for your personal,? non-commercial use\b|this (document|article|material) is subject to copyright\b|"
    r"citation: .{0,300}\bretrieved\b.{0,60}\bfrom https?://|explore further\s*$|"
    r"this (slideshow|video|content|page) requires javascript\b|(please )?enable javascript\b|"
    r"an error (has occurred|occurred),? please try again\b|order reprints\s*$|this article has been sent to\b|"
    r"tell us what you think\b)",
    re.IGNORECASE,
)


def drop_inline_cards(el: Any) -> None:
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
            tag_name(holder) == "span"
            and first is not None
            and tag_name(first) == "a"
            and not (holder.text or "").strip()
            and not any(node is first for node in card.iterancestors())
        ):
            return True
    return False


def in_teaser_card(el: Any, size: int) -> bool:
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
        card_size = len(normalize_text(raw_text(card)))
        if card_size > limit:
            return False
        link_size = sum(len(normalize_text(raw_text(a))) for a in card.iter("a") if a.get("href"))
        if link_size >= 15 and link_size + size >= 0.8 * card_size:
            return True
    return False
