"""trafilatura's reading of the page as votes: which element holds the story (`locate_body`)
and which of the walker's blocks are the story (`Votes.filter`)."""

from __future__ import annotations

import functools
import html as html_lib
from dataclasses import dataclass, field
from typing import Any

import trafilatura

from .blocks import TEXT_KINDS
from .clutter import BOILERPLATE_LINE, CREDIT_LINE, FURNITURE_HEADING
from .furniture import RANKED_TITLE, is_notice
from .text import normalize_text
from .tree import has_block_child, own_text, raw_text, tag_name

_PARAGRAPHISH = {"p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "td", "dd", "pre", "figcaption"}


def trafilatura_lines(raw_tree: Any) -> list[str]:
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
class Votes:
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
            tag = tag_name(el)
            if tag not in _PARAGRAPHISH:
                continue
            # A container's loose text (text set with <br> next to a picture box) votes too.
            key = normalize_text(own_text(el) if has_block_child(el) else raw_text(el))
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

        @functools.cache
        def furniture(i: int) -> bool:
            block = blocks[i]
            if block.get("_links", 0) > 0.6 and (i not in votes or len(block["text"]) < 150):
                return True
            text = block["text"]
            if len(text) < 300 and (CREDIT_LINE.match(text) or BOILERPLATE_LINE.match(text) or is_notice(text)):
                return True
            short = block["kind"] == "heading" or len(text) < 60
            return short and bool(FURNITURE_HEADING.match(text) or RANKED_TITLE.match(text))

        text = [i for i, b in enumerate(blocks) if b["kind"] in TEXT_KINDS]
        votes = {i for i in text if self.matches(blocks[i]["text"], strict=blocks[i]["kind"] == "list_item")}
        story = [i for i in text if i in votes and blocks[i].get("_core") and not furniture(i)]
        if not story:
            story = [i for i in sorted(votes) if not furniture(i)]
        if not story:
            return blocks
        first, last = self._extend(blocks, text, votes, story[0], story[-1], furniture)
        out = []
        for i, block in enumerate(blocks):
            if block["kind"] not in TEXT_KINDS:
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


def locate_body(doc: Any, votes: Votes) -> tuple[Any, Any]:
    """The element holding the story: the deepest one with most of trafilatura's text.

    Returns the container to walk, which holds 95% of that text, so a story split over
    sibling containers (lead in one, body in another) is taken whole, and the core, the
    deepest element with 80% of it: `Votes.filter` keeps the core's story and widens it only
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
            if weight >= share * votes.total and tag_name(node) not in _PARAGRAPHISH - {"div", "td"}:
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
            scores[parent] = scores.get(parent, 0) + len(normalize_text(raw_text(p)))
    return max(scores, key=lambda k: scores[k]) if scores else body
