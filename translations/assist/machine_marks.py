"""Machine-draft marks of a translation's blocks: pure functions over ``Translation.machine_drafts``.

A mark records that a block began as a machine draft: ``{"draft", "provider", "at",
"distance", "changed"}``. ``distance`` is the Levenshtein edit distance (characters) from the
draft to the block's current text and ``changed`` the same as a percentage of the longer of
the two, so a reviewer sees at a glance whether the translator rewrote the draft or let it
through. ``editing.translation_save`` refreshes both on every save, so each reversion version
carries the figures of its own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rapidfuzz.distance import Levenshtein


def block_change(*, draft: str, text: str) -> tuple[int, int]:
    """``(distance, percent changed)`` from ``draft`` to ``text``."""
    distance = Levenshtein.distance(draft, text)
    longest = max(len(draft), len(text), 1)
    return distance, round(100 * distance / longest)


def mark_new(*, draft: str, provider: str, at: str) -> dict[str, Any]:
    return {"draft": draft, "provider": provider, "at": at, "distance": 0, "changed": 0}


def marks_refresh(*, marks: Mapping[str, Any], blocks: Mapping[str, Any]) -> dict[str, Any]:
    """The marks with distances recomputed against the current ``blocks`` (a new dict); the mark
    of a block the translator emptied is dropped."""
    fresh: dict[str, Any] = {}
    for block_id, mark in (marks or {}).items():
        if not isinstance(mark, dict):
            continue
        text = str((blocks.get(block_id) or {}).get("text", ""))
        if not text.strip():
            continue  # emptied: whatever is typed next starts from nothing, not from the draft
        distance, changed = block_change(draft=str(mark.get("draft", "")), text=text)
        fresh[block_id] = {**mark, "distance": distance, "changed": changed}
    return fresh
