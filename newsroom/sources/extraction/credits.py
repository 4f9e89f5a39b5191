"""Who took a picture: the photographer named in the source's markup, told apart from the caption.

A source names the photographer in many ways: a ``data-credit`` attribute on the picture or its
box, schema.org microdata (``itemprop="creator"``/``"copyrightHolder"``), a credit element in the
caption (``<span class="photo-credit">``), or a prefix in the caption's words ("Фота: …",
"Фото: …", "Photo: …"; ``newsroom.bylines.credit_split``). The importer keeps the name in the
image block's ``attrs["credit"]`` (in the source's language; the translator spells it) and the
caption without it, so a published picture has one credit line: photographer / outlet.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from newsroom.bylines import credit_split

from .text import normalize_text
from .tree import raw_text, tag_name

_CREDIT_PROPS = ("creator", "copyrightHolder", "copyrightholder")
_CREDIT_WORDS = frozenset({"credit", "credits", "copyright", "photographer", "photocredit", "byline"})


@functools.lru_cache(maxsize=2048)
def _credit_class(raw: str) -> bool:
    words = re.split(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])", raw)
    return any(w.lower() in _CREDIT_WORDS for w in words) or "photo-credit" in raw.lower()


def _prop_name(node: Any) -> str:
    """A microdata creator's name: its ``content``, its nested ``itemprop="name"``, else its text."""
    if node.get("content"):
        return normalize_text(str(node.get("content")))
    named = [n for n in node.iter() if n.get("itemprop") == "name"]
    if named:
        return normalize_text(named[0].get("content") or raw_text(named[0]))
    return normalize_text(raw_text(node))


def picture_credit(*, img: Any, box: Any | None, caption: Any | None) -> tuple[str, str]:
    """(the caption's words without the credit, the photographer) of the picture ``img`` in
    ``box`` (its figure or wrapper; None for a bare picture) whose caption element is
    ``caption`` (None: the box's own text is the caption). Either may be ""."""
    nodes = [img, *(list(box.iter()) if box is not None else [])]
    credit = ""
    for node in nodes:
        value = node.get("data-credit") if tag_name(node) else None
        if value and normalize_text(value):
            credit = normalize_text(value)
            break
    holder = caption if caption is not None else box
    skip: list[Any] = []
    if box is not None:
        for node in box.iter():
            if not tag_name(node):
                continue
            prop = set((node.get("itemprop") or "").split())
            if prop & set(_CREDIT_PROPS):
                skip.append(node)
                credit = credit or _prop_name(node)
            elif node is not img and node is not box and _credit_class(f"{node.get('class') or ''}"):
                skip.append(node)
                credit = credit or credit_split(normalize_text(raw_text(node)))[1] or normalize_text(raw_text(node))
    words = ""
    if holder is not None:
        holder_copy = copy.deepcopy(holder)
        if skip:
            marked = {id(n) for n in skip}
            doomed = [c for o, c in zip(holder.iter(), holder_copy.iter(), strict=True) if id(o) in marked]
            for node in doomed:
                if node is not holder_copy and node.getparent() is not None:
                    node.drop_tree()  # its tail, the rest of the caption, stays
        words = normalize_text(raw_text(holder_copy))
    words, prefixed = credit_split(words)
    return words, (credit or prefixed)
