"""Word-level diffs for review and history, written on :mod:`difflib` (no GPL code).

Text is split into words, runs of whitespace and single punctuation marks, so joining the
tokens gives the text back exactly. The output is HTML with every piece of text escaped:
unchanged runs as text, removed runs in ``<del>``, added runs in ``<ins>``.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words (any script), whitespace runs, or one other character (punctuation, symbols).
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into tokens whose concatenation is ``text``."""
    return _TOKEN.findall(text or "")


def word_diff(old: str, new: str) -> SafeString:
    """Escaped HTML showing how ``old`` became ``new`` word by word (``<del>``/``<ins>``)."""
    a, b = tokenize(old or ""), tokenize(new or "")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every text piece above went through escape()


def has_changes(old: str, new: str) -> bool:
    return (old or "") != (new or "")


def block_text(blocks: dict[str, Any] | None, block_id: str) -> str:
    """The target text of one block of a ``Translation.blocks`` mapping, "" when missing."""
    entry = (blocks or {}).get(block_id) or {}
    if not isinstance(entry, dict):
        return ""
    if entry.get("omitted"):
        reason = str(entry.get("reason", "")).strip()
        return f"[left out{': ' + reason if reason else ''}]"
    return str(entry.get("text", ""))


def notes_text(notes: list[dict[str, Any]] | None) -> str:
    return "\n".join(str(n.get("text", "")) for n in notes or [] if isinstance(n, dict))


def source_changes(old_blocks: list[dict[str, Any]], new_blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Paragraph changes between two source revisions, by block id, in the new order.

    Each row is ``{"id", "change": "added"|"removed"|"changed", "old", "new", "diff"}``;
    unchanged blocks are left out.
    """
    old_by_id = {b["id"]: b for b in old_blocks}
    new_ids = {b["id"] for b in new_blocks}
    rows: list[dict[str, Any]] = []
    for block in new_blocks:
        before = old_by_id.get(block["id"])
        new_text = str(block.get("text", ""))
        if before is None:
            rows.append(
                {"id": block["id"], "change": "added", "old": "", "new": new_text, "diff": word_diff("", new_text)}
            )
        elif str(before.get("text", "")) != new_text:
            old_text = str(before.get("text", ""))
            rows.append(
                {
                    "id": block["id"],
                    "change": "changed",
                    "old": old_text,
                    "new": new_text,
                    "diff": word_diff(old_text, new_text),
                }
            )
    for block in old_blocks:
        if block["id"] not in new_ids:
            old_text = str(block.get("text", ""))
            rows.append(
                {"id": block["id"], "change": "removed", "old": old_text, "new": "", "diff": word_diff(old_text, "")}
            )
    return rows
