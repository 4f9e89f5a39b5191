"""The walker: turns the body container into ordered blocks (paragraph, heading, quote,
list item, image, embed), skipping furniture unless trafilatura's votes say it holds the story."""

from __future__ import annotations

import copy
import html as html_lib
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from .blocks import TEXT_KINDS, assign_ids
from .clutter import class_words, drop_inline_cards, in_teaser_card, is_caption, is_clutter, is_hidden
from .credits import picture_credit
from .embeds import embed_from_url
from .furniture import furniture_boxes
from .sanitising import safe_url, sanitise_inline
from .text import clean_text, normalize_text
from .tree import BLOCK_TAGS, data_cell, has_block_child, raw_text, tag_name
from .voting import Votes

_SKIP_TAGS = {"script", "nav", "aside", "footer", "button", "hr", "summary", "caption"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass
class Walker:
    """Turns the body container into blocks; one instance per page."""

    base_url: str
    title_key: str = ""
    headlines: frozenset[str] = frozenset()
    votes: Votes | None = None
    core: Any = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    _in_core: int = 0
    _in_near: int = 0
    _chunks: list[Any] = field(default_factory=list)
    _furniture: set[Any] = field(default_factory=set)
    # Share of the story's text that came from the voted core (see `confidence.py`).
    core_share: float = 0.0

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
        if el in self._furniture:  # a sign-up/log-in/search form, a gate, a "most read" list
            return not (self.votes is not None and self.votes.holds_story(el, 0.5))
        if is_hidden(el):  # a hidden copy of the description is no story; a hidden story is
            return not (self.votes is not None and self.votes.holds_story(el, 0.5))
        if is_clutter(el):
            return not (self.votes is not None and self.votes.holds_story(el))
        return False

    # -- emitting
    def _inline_html(self, el: Any) -> str:
        """The sanitised inline html of a block element's content."""
        el = copy.deepcopy(el)
        el.tail = None
        for node in list(el.iterdescendants()):
            tag = tag_name(node)
            if tag == "a":
                href = safe_url(node.get("href"), base=self.base_url)
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
        return sanitise_inline("".join(parts))

    def _emit_text_block(self, kind: str, el: Any, attrs: dict[str, Any] | None = None) -> None:
        drop_inline_cards(el)
        text = clean_text(raw_text(el))
        if not text:
            return
        if any(tag_name(a) == "a" for a in el.iterancestors()):
            linked = len(normalize_text(text))  # a card wrapped in one link is a teaser
        else:
            linked = sum(len(normalize_text(raw_text(a))) for a in el.iter("a"))
            if not linked and len(text) < 300 and in_teaser_card(el, len(normalize_text(text))):
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
        text = normalize_text(raw_text(el))
        return len(text.split()) >= 4 or (len(text) >= 20 and text[-1:] in '.!?…»"')

    def _emit_image(self, img: Any, box: Any | None = None, caption_el: Any | None = None) -> None:
        """One image block: its caption's words and, apart, its photographer (``attrs["credit"]``,
        from the source's credit markup: ``credits.picture_credit``)."""
        src = None
        for attr in ("data-src", "data-lazy-src", "data-original", "src"):
            src = safe_url(img.get(attr), base=self.base_url)
            if src:
                break
        if not src:
            return
        words, credit = picture_credit(img=img, box=box, caption=caption_el)
        caption = words or None
        alt = img.get("alt")
        text = caption or alt or ""
        attrs: dict[str, Any] = {"src": src, "alt": alt, "caption": caption}
        if credit:
            attrs["credit"] = clean_text(credit)[:300]
        self._append(
            {
                "id": "",
                "kind": "image",
                "text": clean_text(text),
                "html": html_lib.escape(clean_text(caption or ""), quote=False),
                "attrs": attrs,
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
                    elif len(normalize_text(raw_text(sib))) > 200:
                        break
                    i += step
            if len(chunks) > 1:
                return chunks, parent
        return [core], None

    def walk(self, container: Any) -> list[dict[str, Any]]:
        self._chunks, holder = self._core_chunks()
        if holder is not None and any(node is holder for node in container.iterancestors()):
            container = holder  # walk the other chunks too
        self._furniture = furniture_boxes(container)
        self._in_core = int(any(container is c for c in self._chunks))
        self._in_near = int(container is self._near or container is self.core)
        self._walk_children(container)
        if self.headlines:
            # The headline repeated as the story's first lines (as a paragraph, an h2, the
            # title of the page) is not part of the story: the article keeps it as its title.
            self.blocks = [
                b for b in self.blocks if b["kind"] not in TEXT_KINDS or normalize_text(b["text"]) not in self.headlines
            ]
        if self.votes is not None and self.votes.text:
            self.blocks = self.votes.filter(self.blocks)
            if not any(b["kind"] in TEXT_KINDS and self.votes.matches(b["text"]) for b in self.blocks):
                self.blocks = self.votes.paragraphs()
        sizes = [(len(b["text"]), b.get("_core", True)) for b in self.blocks if b["kind"] in TEXT_KINDS]
        self.core_share = sum(n for n, core in sizes if core) / max(1, sum(n for n, _core in sizes))
        for block in self.blocks:
            block.pop("_links", None)
            block.pop("_core", None)
            block.pop("_near", None)
        return assign_ids(self.blocks)

    def _walk_children(self, el: Any) -> None:
        run: list[Any] = []
        if el.text and el.text.strip():
            run.append(el.text)
        for child in list(el):
            tail = child.tail
            if tag_name(child) in BLOCK_TAGS or tag_name(child) in {"img", "script"}:
                if run:
                    self._emit_run(run)
                    run = []
                self._walk_node(child)
            elif tag_name(child) and not self._dropped(child) and not is_caption(child):
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
            any(tag_name(n) in {"p", "li", "blockquote", "h2", "h3", "h4", "table"} for n in el.iter())
            and tag_name(el) != "figure"
        ):
            return False
        captions = [n for n in el.iter("figcaption")]
        caption_text = normalize_text(raw_text(captions[0] if captions else el))
        if len(caption_text) > 400:
            return False
        self._emit_image(imgs[0], el, captions[0] if captions else None)
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
        tag = tag_name(el)
        if not tag or self._dropped(el):
            return
        if tag == "noscript":
            self._noscript(el)
            return
        if tag == "script":
            post = el.get("data-telegram-post")
            if post and re.fullmatch(r"[\w]+/\d+", post):
                embed = embed_from_url(f"https://t.me/{post}")
                if embed:
                    self._emit_embed(embed)
            return
        if tag in _SKIP_TAGS and not (
            tag in {"aside", "footer", "nav"} and self.votes is not None and self.votes.holds_story(el)
        ):
            return
        if tag == "iframe":
            src = safe_url(el.get("src") or el.get("data-src"), base=self.base_url)
            embed = embed_from_url(src) if src else None
            if embed:
                self._emit_embed(embed)
            return
        if tag == "img":
            self._emit_image(el)
            return
        if tag in _HEADINGS:
            text = normalize_text(raw_text(el))
            if not text or text == self.title_key:
                return  # the headline repeated above the story is not a section of it
            self._emit_text_block("heading", el, {"level": int(tag[1])})
            return
        if tag == "blockquote":
            self._quote(el)
            return
        if tag in {"ul", "ol"}:
            for li in el:
                if tag_name(li) == "li":
                    self._list_item(li, ordered=tag == "ol")
            return
        if tag == "figure":
            self._figure(el)
            return
        if tag in {"p", "pre", "dt", "dd"}:
            if self._paragraph_with_media(el):
                return
            if el.find(".//iframe") is not None or (
                el.find(".//img") is not None and len(normalize_text(raw_text(el))) < 300
            ):
                if self._image_box(el):
                    return
                self._walk_children(el)
                return
            if not is_caption(el):
                self._emit_text_block("paragraph", el)
            return
        # Generic containers: div, section, article, td, li-like wrappers…
        if el.find(".//img") is not None and self._image_box(el):
            return
        if is_caption(el) and el.find(".//img") is None and not (self.votes and self.votes.holds_story(el)):
            return  # a caption box away from its picture (the picture went as an image block)
        if has_block_child(el) or el.find(".//img") is not None or el.find(".//iframe") is not None:
            self._walk_children(el)
        elif is_caption(el):
            return  # a caption or credit away from its picture is not a paragraph of the story
        elif self._substantial(el) or (tag in {"td", "th"} and data_cell(el) and normalize_text(raw_text(el))):
            self._emit_text_block("paragraph", el)

    def _paragraph_with_media(self, el: Any) -> bool:
        """A paragraph with a picture or player set among its words (`<p>Words <img> more
        words</p>`) is one paragraph of all its words, then the media as their own blocks
        after it, never instead of it. Pasted html is the story whatever its length; on a
        fetched page a short line beside pictures is left to the image-box rules."""
        media = [n for n in el.iter("img", "iframe") if n is not el]
        if not media or any(tag_name(n) in BLOCK_TAGS - {"iframe"} for n in el.iterdescendants()):
            return False
        words = copy.deepcopy(el)
        drop_inline_cards(words)  # a pop-up card's picture is not the paragraph's
        for node in list(words.iter("img", "iframe")):
            node.drop_tree()  # its tail, the rest of the sentence, stays
        size = len(normalize_text(raw_text(words)))
        if not size or (self.votes is not None and size < 300):
            return False  # on a fetched page, pictures with a line or two are a gallery and captions
        self._emit_text_block("paragraph", words)
        for node in media:
            self._walk_node(node)
        return True

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
        classes, _ = class_words(el)
        if classes & {"twitter", "tweet"} or "twitter-tweet" in (el.get("class") or ""):
            for a in el.iter("a"):
                embed = embed_from_url(a.get("href") or "")
                if embed:
                    self._emit_embed(embed)
                    return
        cite_nodes = [n for n in el.iter("cite", "footer")]
        cite = normalize_text(" ".join(raw_text(n) for n in cite_nodes)) or None
        for node in cite_nodes:
            parent = node.getparent()
            if parent is not None:
                node.drop_tree()
        paragraphs = [p for p in el.iter("p")]
        if paragraphs:
            text = clean_text(" ".join(raw_text(p) for p in paragraphs))
            markup = "<br>".join(self._inline_html(p) for p in paragraphs)
        else:
            text = clean_text(raw_text(el))
            markup = self._inline_html(el)
        if text:
            self._append({"id": "", "kind": "quote", "text": text, "html": markup, "attrs": {"cite": cite}})

    def _list_item(self, li: Any, *, ordered: bool) -> None:
        if self._dropped(li):
            return
        if li.find(".//figure") is not None or li.find(".//img") is not None or li.find(".//blockquote") is not None:
            self._walk_children(li)
            return
        nested = [c for c in li if tag_name(c) in {"ul", "ol"}]
        for sub in nested:
            li.remove(sub)
        if has_block_child(li):
            self._walk_children(li)
        else:
            self._emit_text_block("list_item", li, {"ordered": ordered})
        for sub in nested:
            self._walk_node(sub)
