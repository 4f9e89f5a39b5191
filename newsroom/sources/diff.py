"""Paragraph-by-paragraph comparison of two source revisions' blocks.

Block ids are content hashes (see ``extraction/blocks.py``): an unchanged paragraph keeps its id on
re-import and an edited one gets a new id. So the blocks are first aligned by id
(``SequenceMatcher`` over the id sequences: ids in common, in order, are "same"); inside each
stretch that differs, old and new blocks are paired by text similarity in order, so an edited
paragraph shows as one "changed" entry rather than a "removed" plus an "added" one. Pure code;
the article desk page and the translation banner (translations/) both call it.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

__all__ = ["source_diff"]

Block = dict[str, Any]
# Two paragraphs at least this similar are one paragraph edited, not one removed and one added.
SIMILAR = 0.5


def _similarity(a: Block, b: Block) -> float:
    if a.get("kind") != b.get("kind"):
        return 0.0
    return SequenceMatcher(None, str(a.get("text") or ""), str(b.get("text") or ""), autojunk=False).ratio()


def _pair_stretch(old: list[Block], new: list[Block]) -> list[dict[str, Any]]:
    """Pair an old and a new stretch that share no ids, keeping both orders."""
    if len(old) == len(new) and all(_similarity(o, n) >= SIMILAR for o, n in zip(old, new, strict=True)):
        return [{"status": "changed", "old": o, "new": n} for o, n in zip(old, new, strict=True)]
    out: list[dict[str, Any]] = []
    j = 0
    for o in old:
        match = next((k for k in range(j, len(new)) if _similarity(o, new[k]) >= SIMILAR), None)
        if match is None:
            out.append({"status": "removed", "old": o, "new": None})
            continue
        out.extend({"status": "added", "old": None, "new": n} for n in new[j:match])
        out.append({"status": "changed", "old": o, "new": new[match]})
        j = match + 1
    out.extend({"status": "added", "old": None, "new": n} for n in new[j:])
    return out


def source_diff(old_blocks: list[Block], new_blocks: list[Block]) -> list[dict[str, Any]]:
    """Align two block lists; return ``[{"status": "same"|"changed"|"added"|"removed", "old", "new"}]``.

    ``old``/``new`` are the blocks themselves (``None`` on the side where a block is absent),
    in reading order of the new revision with removed blocks where they used to be.
    """
    old_ids = [str(b.get("id")) for b in old_blocks]
    new_ids = [str(b.get("id")) for b in new_blocks]
    out: list[dict[str, Any]] = []
    matcher = SequenceMatcher(None, old_ids, new_ids, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for o, n in zip(old_blocks[i1:i2], new_blocks[j1:j2], strict=True):
                same = o.get("text") == n.get("text") and o.get("html") == n.get("html")
                out.append({"status": "same" if same else "changed", "old": o, "new": n})
        elif tag == "delete":
            out.extend({"status": "removed", "old": o, "new": None} for o in old_blocks[i1:i2])
        elif tag == "insert":
            out.extend({"status": "added", "old": None, "new": n} for n in new_blocks[j1:j2])
        else:
            out.extend(_pair_stretch(old_blocks[i1:i2], new_blocks[j1:j2]))
    return out
