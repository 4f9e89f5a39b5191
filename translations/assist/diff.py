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

from newsroom.sources.diff import source_diff

# An inline token marker whole ("[1]", "[/1]", "[2/]": a dropped link shows as one removed
# marker), words (any script), whitespace runs, or one other character (punctuation, symbols).
_TOKEN = re.compile(r"\[/?\d{1,3}/?\]|\w+|\s+|[^\w\s]", re.UNICODE)


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
    """Paragraph changes between two source revisions, in the new order, with a word diff.

    The alignment is the importer's (``newsroom.sources.diff.source_diff``: by id, then by
    position and similarity), so an edited paragraph — whose content-hash id changed — shows
    as "changed", not as one removed and one added. Each row is ``{"id", "change":
    "added"|"removed"|"changed", "old", "new", "diff"}``; unchanged blocks are left out.
    """
    rows: list[dict[str, Any]] = []
    for entry in source_diff(old_blocks, new_blocks):
        if entry["status"] == "same":
            continue
        old_text = str((entry["old"] or {}).get("text", ""))
        new_text = str((entry["new"] or {}).get("text", ""))
        block = entry["new"] or entry["old"]
        rows.append(
            {
                "id": block["id"],
                "change": entry["status"],
                "old": old_text,
                "new": new_text,
                "diff": word_diff(old_text, new_text),
            }
        )
    return rows
